-- wrk: POST /api/v1/tickets as the bench customer, with the seed's mix: priorities and
-- categories evenly spread, one ticket in ten tagged `vip`, a unique subject each.
local token = os.getenv("BENCH_TOKEN")
local priorities = { "low", "normal", "high", "urgent" }
local categories = { "billing", "hardware", "account", "shipping", "general" }
local counter = 0
local thread_id = 0
local next_thread = 0

function setup(thread)
    thread:set("thread_id", next_thread)
    next_thread = next_thread + 1
end

function request()
    counter = counter + 1
    local tags = ""
    if counter % 10 == 0 then tags = ',"tags":["vip"]' end
    local body = string.format(
        '{"subject":"Load test %d-%d","description":"Created by the load test: the printer in room %d jams on every second page.","priority":"%s","category":"%s"%s}',
        thread_id, counter, counter % 500, priorities[1 + counter % 4], categories[1 + counter % 5], tags)
    return wrk.format("POST", "/api/v1/tickets",
        { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
