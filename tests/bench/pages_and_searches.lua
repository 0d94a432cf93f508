-- wrk: the embedded benchmark's read mix, as an agent: filtered first pages of
-- GET /api/v1/tickets and full-text searches (a common word, a word with filters, a
-- phrase, a word that matches nothing), 25 tickets each.
local token = os.getenv("BENCH_TOKEN")
local queries = {
    "status=new&priority=high&limit=25",
    "category=billing&status=new&limit=25",
    "tag=vip&limit=25",
    "priority=urgent&sort=-created_at&limit=25",
    "q=refund&limit=25",
    "q=invoice&status=new&priority=high&limit=25",
    "q=printer%20jams&limit=25",
    "q=zyxwvut&limit=25",
}
local counter = 0

function request()
    counter = counter + 1
    local path = "/api/v1/tickets?" .. queries[1 + counter % #queries]
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
