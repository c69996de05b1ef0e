from ..support import PASSWORD, parallel
from .test_concurrency import _post_token

def test_dbg(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    for n in (10, 10, 20):
        responses = parallel(lambda i: _post_token(api.base_url, client, grant_type="password",
                                               username=user["login"], password=PASSWORD), n)
        print(n, [(r.status_code, r.json().get("error"), r.json().get("error_description")) for r in responses if r.status_code != 403])
    u2 = api.create_user()
    responses = parallel(lambda i: _post_token(api.base_url, client, grant_type="password",
                                               username=u2["login"], password=PASSWORD), 10)
    print("unenrolled", [r.status_code for r in responses])
