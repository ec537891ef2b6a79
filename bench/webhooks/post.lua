-- wrk script: POST the AdmissionReview in $WRK_BODY_FILE to the given URL, as the kube-apiserver
-- calls a validating webhook (Content-Type application/json, keep-alive).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, */*"
local f = assert(io.open(assert(os.getenv("WRK_BODY_FILE"), "WRK_BODY_FILE not set"), "rb"))
wrk.body = f:read("*a")
f:close()
