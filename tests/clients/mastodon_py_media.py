"""Images with alt text through Mastodon.py, checked with Pillow (libraries we did not write).

A teacher on A uploads a phone photo carrying GPS coordinates and a rotation in its
EXIF, describes it, and posts it; a teacher on B who follows them sees the post with
the alt text, blurhash and size. The same photo becomes A's teacher's avatar and
header (update_credentials), which B's server shows. The file A serves is read back with Pillow: turned
upright, no EXIF, no GPS. Hostile files are refused. Each step prints its name.
"""

import io
import os
import urllib.parse
import warnings

import requests
from mastodon import Mastodon, MastodonAPIError
from PIL import ExifTags, Image

from mastodon_py import eventually, step

A = os.environ["STAFFROOM_A"]
B = os.environ["STAFFROOM_B"]
SCOPES = ["read", "write", "follow"]
ALT = "Year 5 fraction wall: pupils' coloured strips showing halves, thirds and quarters"

warnings.simplefilter("error")


def sign_in(base, user, password):
    cid, secret = Mastodon.create_app("Mastodon.py media test", scopes=SCOPES, api_base_url=base)
    m = Mastodon(client_id=cid, client_secret=secret, api_base_url=base)
    m.log_in(user, password, scopes=SCOPES, allow_http=True)
    return m


def phone_photo():
    """A 2400×1600 JPEG as a phone writes it: sideways pixels with Orientation 6, and GPS."""
    img = Image.new("RGB", (2400, 1600))
    for x in range(0, 2400, 200):
        img.paste((x % 256, 120, 255 - x % 256), (x, 0, x + 200, 1600))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SchoolPhone"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=90)
    data = out.getvalue()
    # Positive control: the upload really carries GPS and orientation.
    back = Image.open(io.BytesIO(data)).getexif()
    assert back.get(ExifTags.Base.Orientation) == 6, back
    assert back.get_ifd(ExifTags.IFD.GPSInfo).get(2), "the test photo has GPS"
    return data


def refused(what, call):
    try:
        call()
    except MastodonAPIError as e:
        assert "422" in str(e) or "Validation failed" in str(e), f"{what}: {e}"
        return str(e)
    raise AssertionError(f"{what} was accepted")


def main():
    step("teachers sign in on A and B")
    alice = sign_in(A, os.environ["A_USER"], os.environ["A_PASSWORD"])
    bob = sign_in(B, os.environ["B_USER"], os.environ["B_PASSWORD"])

    step("B follows A's teacher")
    handle = f"@{os.environ['A_USER']}@{urllib.parse.urlparse(A).netloc}"
    found = bob.search_v2(handle, resolve=True).accounts
    assert found, f"{handle} not found"
    bob.account_follow(found[0].id)
    eventually("the follow is accepted", lambda: bob.account_relationships(found[0].id)[0].following)

    step("avatar and header through update_credentials: cut to shape, no EXIF, B sees them")
    me = alice.account_update_credentials(
        avatar=phone_photo(), avatar_mime_type="image/jpeg", header=phone_photo(), header_mime_type="image/jpeg"
    )
    assert "/media/" in me.avatar and me.avatar_static == me.avatar, me.avatar
    assert "/media/" in me.header and me.header_static == me.header, me.header
    res = requests.get(me.avatar, timeout=30)
    assert res.status_code == 200 and res.headers["Content-Type"] == "image/jpeg", res.headers
    avatar = Image.open(io.BytesIO(res.content))
    assert avatar.size == (400, 400), avatar.size
    assert len(avatar.getexif()) == 0 and b"SchoolPhone" not in res.content, "EXIF survived in the avatar"
    header = Image.open(io.BytesIO(requests.get(me.header, timeout=30).content))
    assert header.size == (1500, 500), header.size
    msg = refused(
        "an HTML file as the avatar",
        lambda: alice.account_update_credentials(avatar=b"<html><script>alert(1)</script></html>", avatar_mime_type="image/png"),
    )
    assert "avatar" in msg and "not a JPEG, PNG, WebP or GIF" in msg, msg
    assert alice.account_verify_credentials().avatar == me.avatar, "a refused avatar changed nothing"
    eventually("B sees A's teacher's avatar and header", lambda: bob.account(found[0].id).avatar == me.avatar)
    assert bob.account(found[0].id).header == me.header

    step("upload a photo with alt text and focus (v2 media)")
    media = alice.media_post(phone_photo(), mime_type="image/jpeg", file_name="IMG_0042.jpg", description="draft", focus=(0.25, -0.5))
    assert media.type == "image", media
    assert media.url and media.preview_url, media
    # Orientation 6 turns 2400×1600 upright to 1600×2400, then at most 1920 a side.
    assert (media.meta.original.width, media.meta.original.height) == (1280, 1920), media.meta
    assert max(media.meta.small.width, media.meta.small.height) <= 640, media.meta
    assert media.meta.focus.x == 0.25 and media.meta.focus.y == -0.5, media.meta
    assert media.blurhash and len(media.blurhash) >= 6, media

    step("describe it (PUT /api/v1/media/:id)")
    media = alice.media_update(media.id, description=ALT)
    assert media.description == ALT, media
    too_long = refused("a 1,501-character description", lambda: alice.media_update(media.id, description="x" * 1501))
    assert "1500" in too_long, too_long

    step("the served file: upright, no EXIF, no GPS, served as an image for a year")
    res = requests.get(media.url, timeout=30)
    assert res.status_code == 200, res.status_code
    assert res.headers["Content-Type"] == "image/jpeg", res.headers
    assert res.headers.get("X-Content-Type-Options") == "nosniff", res.headers
    assert "max-age=31536000" in res.headers.get("Cache-Control", ""), res.headers
    served = Image.open(io.BytesIO(res.content))
    assert served.size == (1280, 1920), served.size
    assert len(served.getexif()) == 0, dict(served.getexif())
    assert "exif" not in served.info, "EXIF survived"
    assert b"SchoolPhone" not in res.content, "the camera's name survived"
    thumb = Image.open(io.BytesIO(requests.get(media.preview_url, timeout=30).content))
    assert len(thumb.getexif()) == 0 and max(thumb.size) <= 640, thumb.size

    step("post it; B sees the image with alt text, blurhash and size")
    post = alice.status_post("Our fraction wall is finished!", media_ids=[media.id], visibility="public")
    assert [m.id for m in post.media_attachments] == [media.id], post.media_attachments
    assert post.media_attachments[0].description == ALT
    item = eventually(
        "the post reaches B's home timeline",
        lambda: next((s for s in bob.timeline_home() if "fraction wall" in s.content), None),
    )
    assert len(item.media_attachments) == 1, item.media_attachments
    seen = item.media_attachments[0]
    assert seen.type == "image", seen
    assert seen.description == ALT, seen
    assert seen.blurhash == media.blurhash, (seen.blurhash, media.blurhash)
    assert (seen.meta.original.width, seen.meta.original.height) == (1280, 1920), seen.meta
    assert seen.remote_url == media.url, (seen.remote_url, media.url)
    assert seen.meta.focus.x == 0.25 and seen.meta.focus.y == -0.5, seen.meta

    step("an upload cannot be attached twice")
    refused("reusing media on a second post", lambda: alice.status_post("again", media_ids=[media.id]))

    step("hostile files are refused")
    html = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    msg = refused("an HTML file named .png", lambda: alice.media_post(html, mime_type="image/png", file_name="cat.png"))
    assert "not a JPEG, PNG, WebP or GIF" in msg, msg
    png = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(png, "PNG")
    msg = refused("a PNG claiming to be a JPEG", lambda: alice.media_post(png.getvalue(), mime_type="image/jpeg", file_name="photo.jpg"))
    assert "PNG" in msg, msg
    msg = refused("a truncated PNG", lambda: alice.media_post(png.getvalue()[: len(png.getvalue()) // 2], mime_type="image/png", file_name="half.png"))
    assert "cannot be read" in msg, msg

    print("all steps passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - name the step that failed
        import mastodon_py

        print(f"FAILED at step: {mastodon_py.CURRENT}: {type(e).__name__}: {e}", flush=True)
        raise
