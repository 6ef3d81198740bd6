-- wrk script: POST a fixed JSON body to the path in env PATH_ (the benchmark sets it).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY") or "{}"
wrk.path = os.getenv("PATH_")
