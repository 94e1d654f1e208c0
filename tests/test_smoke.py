def test_health_answers_without_a_token(client):
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok"}


def test_subject_round_trip(api):
    status, subject = api.post("/v1/subjects", {"name": "English", "color": "#112233"})
    assert status == 201, subject
    status, got = api.get(f"/v1/subjects/{subject['id']}")
    assert status == 200 and got == subject
