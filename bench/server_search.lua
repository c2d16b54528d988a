-- wrk script for bench/server_scale.sh: each request a search from QUERIES (kind<TAB>query),
-- in turn, with the bearer token in TOKEN.
local queries = {}
local token = os.getenv("TOKEN")
for line in io.lines(os.getenv("QUERIES")) do
  local q = line:match("\t(.*)$")
  if q then queries[#queries + 1] = q end
end
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/search?q=" .. queries[i], {["Authorization"] = "Bearer " .. token})
end
