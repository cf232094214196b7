"""Uploaded images: checked, re-encoded (dropping EXIF and GPS) and thumbnailed with Pillow."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # well above any phone camera, far below a decompression bomb
MAX_SIDE = 2400
THUMB_SIDE = 480
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


@dataclass(frozen=True)
class Processed:
    image: bytes
    thumbnail: bytes
    extension: str
    width: int
    height: int


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def process_upload(upload: UploadedFile) -> Processed:
    """Validate type, extension, size and pixel count; return clean re-encoded bytes.

    Raises ValidationError with a message for the resident on any problem.
    """
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(_("An image may be at most 5 MB."), code="too_large")
    extension = (upload.name or "").rsplit(".", 1)[-1].lower()
    if extension not in EXTENSIONS:
        raise ValidationError(_("Upload a JPEG, PNG or WebP image."), code="extension")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("An image may be at most 5 MB."), code="too_large")
    # Importing WeasyPrint (the PDF reports) turns this Pillow-wide switch on, after which
    # truncated files would load padded with grey: they must still be refused here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in FORMATS or EXTENSIONS[extension] != fmt:
                raise ValidationError(
                    _("The file’s content does not match its file extension."), code="type"
                )
            if width * height > MAX_PIXELS:
                raise ValidationError(_("The image has too many pixels."), code="pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image.load()
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("The file is not a readable image."), code="invalid") from error
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    # Copying the pixels into a fresh image leaves EXIF, GPS and any other metadata behind.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return Processed(
        image=_encode(clean, fmt),
        thumbnail=_encode(thumb, fmt),
        extension=FORMATS[fmt],
        width=clean.width,
        height=clean.height,
    )
