-- wrk: a filtered first page of GET /api/v1/tickets, as an agent.
local token = os.getenv("BENCH_TOKEN")
local filters = {
    "status=new&priority=high&limit=25",
    "category=billing&status=new&limit=25",
    "tag=vip&limit=25",
    "priority=urgent&sort=-created_at&limit=25",
}
local counter = 0

function request()
    counter = counter + 1
    local path = "/api/v1/tickets?" .. filters[1 + counter % #filters]
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
