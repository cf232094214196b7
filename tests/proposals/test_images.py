"""Image uploads: only real JPEG/PNG/WebP within limits, re-encoded without any metadata."""

import io
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from proposals import images, services
from proposals.models import Category, Proposal, ProposalImage, Status
from tests.factories import make_pool, make_resident

MAKE, ORIENTATION, GPS_IFD = 0x010F, 0x0112, 0x8825


def picture(fmt: str = "JPEG", size=(64, 48), mode: str = "RGB", colour="teal", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, fmt, **save)
    return buffer.getvalue()


def upload(data: bytes, name: str, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def spy_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "SpyCam"
    exif[GPS_IFD] = {1: "N", 2: (42.0, 41.0, 51.0), 3: "E", 4: (23.0, 19.0, 17.0)}
    if orientation is not None:
        exif[ORIENTATION] = orientation
    return exif


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header claims `width` × `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def assert_refused(data: bytes, name: str, code: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        images.process_upload(upload(data, name))
    if code is not None:
        assert excinfo.value.code == code
    return excinfo.value


# --- accepted ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name", "extension"),
    [
        ("JPEG", "photo.jpg", "jpg"),
        ("JPEG", "photo.JPEG", "jpg"),
        ("PNG", "plan.png", "png"),
        ("WEBP", "photo.webp", "webp"),
    ],
)
def test_process_upload_accepts_jpeg_png_webp(fmt, name, extension):
    processed = images.process_upload(upload(picture(fmt), name))

    assert processed.extension == extension
    assert (processed.width, processed.height) == (64, 48)
    with Image.open(io.BytesIO(processed.image)) as image:
        assert image.format == fmt
        assert image.size == (64, 48)


def test_process_upload_keeps_png_transparency():
    processed = images.process_upload(
        upload(picture("PNG", mode="RGBA", colour=(0, 0, 0, 0)), "clear.png")
    )

    with Image.open(io.BytesIO(processed.image)) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0


# --- refused: type and extension -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"just some text, not an image\n" * 10, "notes.jpg"),
        (b"<?php system($_GET['c']); ?>", "shell.png"),
        (picture("GIF", mode="P"), "anim.png"),
        (picture("PNG"), "plan.jpg"),
        (picture("JPEG"), "photo.webp"),
        (picture("BMP"), "photo.jpg"),
    ],
    ids=["text-as-jpg", "php-as-png", "gif-as-png", "png-as-jpg", "jpeg-as-webp", "bmp-as-jpg"],
)
def test_process_upload_refuses_content_that_does_not_match_the_name(data, name):
    assert_refused(data, name)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (picture("BMP"), "photo.bmp"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg"),
        (picture("JPEG"), "photo.jpg.exe"),
        (picture("JPEG"), "photo"),
        (picture("JPEG"), ".htaccess"),
        (picture("GIF", mode="P"), "anim.gif"),
    ],
    ids=["bmp", "svg", "jpg.exe", "no-extension", "dotfile", "gif"],
)
def test_process_upload_refuses_other_extensions(data, name):
    assert_refused(data, name, code="extension")


# --- refused: size, pixels, corruption -----------------------------------------------------


def test_process_upload_refuses_files_over_5_mb():
    data = picture("JPEG") + b"\x00" * (images.MAX_BYTES + 1)

    assert_refused(data, "huge.jpg", code="too_large")


def test_process_upload_refuses_over_5_mb_even_when_size_is_understated():
    data = picture("JPEG") + b"\x00" * (images.MAX_BYTES + 1)
    lying = upload(data, "huge.jpg")
    lying.size = 1000  # a client's Content-Length is not to be trusted

    with pytest.raises(ValidationError) as excinfo:
        images.process_upload(lying)

    assert excinfo.value.code == "too_large"


def test_process_upload_accepts_just_under_5_mb():
    data = picture("JPEG")
    data += b"\x00" * (images.MAX_BYTES - len(data))  # trailing bytes after the JPEG end

    assert images.process_upload(upload(data, "big.jpg")).extension == "jpg"


def test_process_upload_refuses_png_declaring_20000_by_20000_pixels():
    data = png_declaring(20_000, 20_000)
    assert len(data) < 1000

    assert_refused(data, "bomb.png")


def test_process_upload_refuses_png_over_the_pixel_limit():
    # 64 megapixels: below Pillow's own bomb limit, so the service's limit must refuse it.
    assert_refused(png_declaring(8000, 8000), "bomb.png", code="pixels")


def test_process_upload_refuses_real_solid_colour_bomb():
    data = picture("PNG", size=(8000, 6000), mode="1", colour=1)  # 48 megapixels
    assert len(data) < 100_000

    assert_refused(data, "white.png", code="pixels")


def noisy(fmt: str) -> bytes:
    """An image whose pixels do not compress away, so half of the file is really missing."""
    pixels = bytes((i * 7919) % 251 for i in range(200 * 150 * 3))
    buffer = io.BytesIO()
    Image.frombytes("RGB", (200, 150), pixels).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_process_upload_refuses_truncated_file(fmt, extension):
    data = noisy(fmt)

    assert_refused(data[: len(data) // 2], f"cut.{extension}", code="invalid")


def test_truncated_files_are_refused_even_after_weasyprint_was_imported():
    import weasyprint.images  # noqa: F401  (sets Pillow's LOAD_TRUNCATED_IMAGES)

    data = noisy("JPEG")
    assert_refused(data[: len(data) // 2], "cut.jpg", code="invalid")


def test_process_upload_refuses_garbage_after_a_valid_header():
    data = picture("PNG")[:33] + b"\xde\xad\xbe\xef" * 64

    assert_refused(data, "broken.png", code="invalid")


def test_process_upload_refuses_empty_file():
    assert_refused(b"", "empty.jpg")


# --- metadata, orientation, thumbnails -----------------------------------------------------


def test_process_upload_strips_exif_and_gps_from_jpeg():
    data = picture("JPEG", size=(120, 80), exif=spy_exif())
    with Image.open(io.BytesIO(data)) as original:  # the test image really carries them
        assert original.getexif()[MAKE] == "SpyCam"
        assert original.getexif().get_ifd(GPS_IFD)
    assert b"Exif" in data

    processed = images.process_upload(upload(data, "spy.jpg"))

    for blob in (processed.image, processed.thumbnail):
        with Image.open(io.BytesIO(blob)) as image:
            assert dict(image.getexif()) == {}
            assert "exif" not in image.info
        assert b"Exif" not in blob
        assert b"SpyCam" not in blob


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "spy.png"), ("WEBP", "spy.webp")])
def test_process_upload_strips_exif_from_png_and_webp(fmt, name):
    data = picture(fmt, size=(120, 80), exif=spy_exif())
    assert b"SpyCam" in data

    processed = images.process_upload(upload(data, name))

    for blob in (processed.image, processed.thumbnail):
        assert b"SpyCam" not in blob
        assert b"Exif" not in blob
        with Image.open(io.BytesIO(blob)) as image:
            assert dict(image.getexif()) == {}


def test_process_upload_applies_exif_orientation():
    # Stored 200 wide × 100 high; orientation 6 means "rotate 90° clockwise to display".
    data = picture("JPEG", size=(200, 100), exif=spy_exif(orientation=6))

    processed = images.process_upload(upload(data, "sideways.jpg"))

    assert (processed.width, processed.height) == (100, 200)
    with Image.open(io.BytesIO(processed.image)) as image:
        assert image.size == (100, 200)
        assert ORIENTATION not in image.getexif()


def test_process_upload_makes_thumbnail_at_most_480_px():
    processed = images.process_upload(upload(picture("JPEG", size=(1600, 900)), "wide.jpg"))

    with Image.open(io.BytesIO(processed.thumbnail)) as thumb:
        assert max(thumb.size) <= 480
        assert thumb.size == (480, 270)
    assert (processed.width, processed.height) == (1600, 900)


def test_process_upload_shrinks_very_large_images():
    processed = images.process_upload(upload(picture("JPEG", size=(2600, 1300)), "big.jpg"))

    assert (processed.width, processed.height) == (images.MAX_SIDE, images.MAX_SIDE // 2)
    with Image.open(io.BytesIO(processed.thumbnail)) as thumb:
        assert max(thumb.size) <= 480


# --- through the service -------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def proposal(db):
    pool = make_pool(phase="submission")
    category, _ = Category.objects.get_or_create(slug="parks", defaults={"name_en": "Parks"})
    return Proposal.objects.create(
        pool=pool,
        author=make_resident(pool.district),
        title="Benches",
        summary="Benches by the pond.",
        body="Benches.",
        body_html="<p>Benches.</p>",
        category=category,
        author_cost=Decimal("8000"),
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


def test_proposal_image_add_stores_clean_image_and_thumbnail(media, proposal):
    data = picture("JPEG", size=(1200, 800), exif=spy_exif())

    image = services.proposal_image_add(
        proposal=proposal, upload=upload(data, "../../etc/spy.jpg"), alt_text="The \u202epond"
    )

    image.refresh_from_db()
    assert (image.width, image.height) == (1200, 800)
    assert image.alt_text == "The pond"
    assert image.image.name.startswith(f"proposals/{proposal.pk}/")
    assert ".." not in image.image.name and "spy" not in image.image.name
    stored = Path(image.image.path)
    assert stored.is_relative_to(media) and stored.exists()
    assert b"Exif" not in stored.read_bytes()
    with Image.open(image.thumbnail.path) as thumb:
        assert max(thumb.size) <= 480
        assert dict(thumb.getexif()) == {}


def test_proposal_image_add_refused_upload_leaves_nothing(media, proposal):
    with pytest.raises(ValidationError):
        services.proposal_image_add(proposal=proposal, upload=upload(b"text", "photo.jpg"))

    assert not ProposalImage.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_proposal_image_add_sixth_image_refused(media, proposal):
    for n in range(5):
        services.proposal_image_add(proposal=proposal, upload=upload(picture(), f"p{n}.jpg"))

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_image_add(proposal=proposal, upload=upload(picture(), "p6.jpg"))

    assert excinfo.value.code == "max_images"
    assert proposal.images.count() == 5
    assert sorted(proposal.images.values_list("position", flat=True)) == [0, 1, 2, 3, 4]


def test_proposal_image_remove_frees_a_place(media, proposal, django_capture_on_commit_callbacks):
    added = [
        services.proposal_image_add(proposal=proposal, upload=upload(picture(), f"p{n}.jpg"))
        for n in range(5)
    ]
    path = Path(added[0].image.path)

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_image_remove(image=added[0])

    assert not path.exists()
    services.proposal_image_add(proposal=proposal, upload=upload(picture(), "again.jpg"))
    assert proposal.images.count() == 5


def test_proposal_drafts_delete_removes_drafts_and_their_files_only(
    media, proposal, django_capture_on_commit_callbacks
):
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.DRAFT, submitted_at=None)
    drafted = services.proposal_image_add(proposal=proposal, upload=upload(picture(), "a.jpg"))
    submitted = Proposal.objects.create(
        pool=proposal.pool,
        author=proposal.author,
        title="A submitted one",
        summary="s",
        body="b",
        category=proposal.category,
        author_cost=Decimal("900"),
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    kept = services.proposal_image_add(proposal=submitted, upload=upload(picture(), "b.jpg"))
    files = [Path(drafted.image.path), Path(drafted.thumbnail.path)]
    assert all(path.exists() for path in files)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.proposal_drafts_delete(author=proposal.author) == 1

    assert not Proposal.objects.filter(pk=proposal.pk).exists()
    assert not any(path.exists() for path in files)
    assert Path(kept.image.path).exists() and Path(kept.thumbnail.path).exists()
    assert list(ProposalImage.objects.all()) == [kept]


# --- served to whoever may see the proposal ------------------------------------------------


def _stored_image(proposal):
    return services.proposal_image_add(
        proposal=proposal, upload=upload(picture("JPEG", size=(640, 480)), "pond.jpg")
    )


def test_image_of_a_public_proposal_is_served_at_its_media_url(client, media, proposal):
    image = _stored_image(proposal)
    for field in (image.image, image.thumbnail):
        response = client.get(field.url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "public, max-age=3600"
        assert b"".join(response.streaming_content) == Path(field.path).read_bytes()


def test_image_of_a_draft_is_served_only_to_its_author_and_the_districts_staff(
    client, media, proposal
):
    from tests.factories import DistrictFactory, make_staff

    image = _stored_image(proposal)
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.DRAFT, submitted_at=None)
    url = image.image.url
    assert client.get(url).status_code == 404  # anonymous
    for outsider in (make_resident(proposal.pool.district), make_staff(DistrictFactory())):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    for insider in (proposal.author, make_staff(proposal.pool.district)):
        client.force_login(insider)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_image_urls_that_name_no_image_of_the_proposal_are_404(client, media, proposal):
    image = _stored_image(proposal)
    other = Proposal.objects.create(
        **{
            field: getattr(proposal, field)
            for field in ("pool", "author", "title", "summary", "body", "body_html", "category")
        },
        author_cost=Decimal("1"),
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    filename = Path(image.image.name).name
    assert client.get(f"/media/proposals/{other.pk}/{filename}").status_code == 404
    assert client.get(f"/media/proposals/{proposal.pk}/missing.jpg").status_code == 404
    assert client.get(f"/media/proposals/{proposal.pk}/..%2F..%2Fsecret").status_code == 404
    assert client.post(image.image.url).status_code == 405


def test_image_is_sent_by_the_proxy_when_it_is_configured(client, media, proposal, settings):
    settings.CIVIC_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    image = _stored_image(proposal)
    response = client.get(image.thumbnail.url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{image.thumbnail.name}"
    assert response["Content-Type"] == "image/jpeg"
