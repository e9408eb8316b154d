from django.test import Client


def test_login_page_and_wrong_password(world):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200 and "Đăng nhập".encode() in page.content
    wrong = client.post("/login/", {"username": "officer_a", "password": "nope"})
    assert wrong.status_code == 200 and "Sai tên đăng nhập".encode() in wrong.content
    ok = client.post("/login/", {"username": "officer_a", "password": "pw-test-1"})
    assert ok.status_code == 302
    assert client.get("/api/v1/me/").json()["role"] == "ward_officer"


def test_language_switch_to_english_and_back(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    assert "Cổng thông tin GIS phường".encode() in client.get("/").content  # Vietnamese whatever the browser says
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert b"Ward GIS portal" in client.get("/").content
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "Cổng thông tin GIS phường".encode() in client.get("/").content
