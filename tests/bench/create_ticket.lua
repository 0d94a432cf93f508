-- wrk: POST /api/v1/tickets with a unique subject per request, as the bench customer.
local token = os.getenv("BENCH_TOKEN")
local counter = 0
local thread_id = 0
local next_thread = 0

function setup(thread)
    thread:set("thread_id", next_thread)
    next_thread = next_thread + 1
end

function request()
    counter = counter + 1
    local body = string.format(
        '{"subject":"Load test %d-%d","description":"Created by the load test: the printer in room %d jams on every second page.","priority":"high","category":"billing"}',
        thread_id, counter, counter % 500)
    return wrk.format("POST", "/api/v1/tickets",
        { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
