"""Photos in a ward-defined layer's photo field, through HTTP: an editor uploads a phone photo, gets its address,
saves it in a feature; the photo served back is a JPEG without the phone's EXIF (its position included); other
roles and bad files are refused with a message; a photo of a private field is never shown to a citizen."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from layers.themes.models import ThemeFeature
from tests.layers.reports.samples import jpeg
from tests.layers.themes.helpers import STREETLIGHTS, add, as_role, define

PHOTO = {"name": "anh", "title": "Ảnh", "title_en": "Photo", "type": "photo", "public": True}
SECRET_PHOTO = {"name": "anh_nha", "title": "Ảnh nhà người trông", "title_en": "Caretaker's house", "type": "photo"}


def upload(client: Client, data: bytes, name: str = "den.jpg", slug: str = "streetlights"):
    return client.post(f"/api/v1/themes/{slug}/photos", {"photo": SimpleUploadedFile(name, data, "image/jpeg")})


def test_an_editor_uploads_a_photo_and_the_feature_shows_it_without_exif(world):
    assert define(world, fields=[*STREETLIGHTS["fields"], PHOTO, SECRET_PHOTO]).status_code == 201
    officer = as_role(world, "ward_officer")
    sent = upload(officer, jpeg(1200, 900, exif_gps=True))
    assert sent.status_code == 201, sent.json()
    url = sent.json()["url"]
    assert url.startswith("/api/v1/themes/streetlights/photos/") and url.endswith(".jpg")

    served = Client().get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    body = b"".join(served.streaming_content)
    with Image.open(io.BytesIO(body)) as img:
        assert img.format == "JPEG" and img.size == (1200, 900)
        assert not img.getexif() and "exif" not in img.info

    private = upload(officer, jpeg()).json()["url"]
    made = add(officer, {**_lamp(), "properties": {**_lamp()["properties"], "anh": url, "anh_nha": private}})
    assert made.status_code == 201, made.json()
    assert ThemeFeature.objects.get().values["anh"] == url
    # The citizen reads the public photo's address in the feature, never the private one's.
    public = Client().get(f"/ogc/collections/streetlights/items/{made.json()['id']}").json()
    assert public["properties"]["anh"] == url and "anh_nha" not in public["properties"]
    assert private not in Client().get("/ogc/collections/streetlights/items").content.decode()


def test_only_the_layers_editors_upload_and_only_photos(world):
    assert define(world, fields=[*STREETLIGHTS["fields"], PHOTO]).status_code == 201
    assert upload(Client(), jpeg()).status_code in (401, 403)
    refused = upload(as_role(world, "land_officer"), jpeg())
    assert refused.status_code == 403 and "không sửa" in refused.json()["message"]
    officer = as_role(world, "ward_officer")
    text = upload(officer, b"<html>not a photo</html>", name="anh.jpg")
    assert text.status_code == 400 and text.json()["error"] == "bad_photo", text.json()
    assert text.json()["message"] and text.json()["message_en"]
    tiny = upload(officer, jpeg(20, 20, exif_gps=False))
    assert tiny.status_code == 400 and tiny.json()["error"] == "photo_dimensions"
    none = officer.post("/api/v1/themes/streetlights/photos", {})
    assert none.status_code == 400 and none.json()["error"] == "no_photo"
    assert Client().get("/api/v1/themes/streetlights/photos/" + "a" * 24 + ".jpg").status_code == 404
    assert Client().get("/api/v1/themes/streetlights/photos/..%2F..%2Fsecret-key.jpg").status_code == 404
    # A value that is neither an uploaded photo nor a link is refused, naming the field.
    bad = add(officer, {**_lamp(), "properties": {**_lamp()["properties"], "anh": "C:\\anh.jpg"}})
    assert bad.status_code == 400 and "Ảnh" in bad.json()["message"]


def _lamp() -> dict:
    from tests.layers.themes.helpers import lamp

    return lamp()
