-- wrk script: task heartbeats rotating over the 1000 tasks of the `big` step.
local run = os.getenv("BIG_RUN")
local first = tonumber(os.getenv("BIG_FIRST"))
local i = 0
request = function()
  i = (i + 1) % 1000
  return wrk.format("POST", "/flows/BenchFlow/runs/" .. run .. "/steps/big/tasks/" .. (first + i) .. "/heartbeat",
                    {["Content-Type"] = "application/json"}, "{}")
end
