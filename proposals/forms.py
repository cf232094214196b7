"""Forms of the residents' and public proposal pages. They validate input; services write."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from budgets.models import Pool
from districts.models import District
from proposals import images as proposal_images
from proposals import selectors
from proposals.models import (
    BODY_MAX,
    COMMENT_MAX,
    PUBLIC_STATUSES,
    SUMMARY_MAX,
    TITLE_MAX,
    Category,
    Status,
)
from proposals.services import MAX_IMAGES

MARKDOWN_HELP = _(
    "You can use simple Markdown: *italic*, **bold**, a blank line between paragraphs, "
    "lists starting with “-” or “1.”, headings starting with “###”, links as "
    "[text](https://…) and “>” for quotes. Images, tables and HTML are removed."
)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its fields where it names them."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Up to MAX_IMAGES image files in one input (the create form)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


def check_image(upload) -> None:
    """Cheap checks before the service re-encodes: size, extension, and a readable header.

    The service (proposals.images.process_upload) stays the authority; this only catches
    the common mistakes early, without decoding the whole picture.
    """
    if upload.size is not None and upload.size > proposal_images.MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than 5 MB."), params={"name": upload.name}, code="too_large"
        )
    extension = (upload.name or "").rsplit(".", 1)[-1].lower()
    if extension not in proposal_images.EXTENSIONS:
        raise ValidationError(
            _("“%(name)s” is not a JPEG, PNG or WebP image."),
            params={"name": upload.name},
            code="extension",
        )
    try:
        with Image.open(upload) as probe:
            kind = probe.format
    except (UnidentifiedImageError, OSError, ValueError):
        kind = None
    finally:
        upload.seek(0)
    if kind != proposal_images.EXTENSIONS[extension]:
        raise ValidationError(
            _("“%(name)s” is not a readable JPEG, PNG or WebP image."),
            params={"name": upload.name},
            code="type",
        )


class ProposalForm(forms.Form):
    """Title, texts, category, place, cost; on the create form also images.

    `pool` bounds the cost; `district` bounds the place on the map.
    """

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences shown in the list of proposals."),
    )
    body = forms.CharField(
        label=_("Description"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=MARKDOWN_HELP,
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), empty_label=_("Choose a category")
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    address = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=200,
        help_text=_("For example a street and number, a park or a school."),
    )
    author_cost = forms.DecimalField(
        label=_("Estimated cost"),
        max_digits=14,
        decimal_places=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1", "step": "1"}),
    )

    # Fields checked one at a time by the inline validation (files are not sent there).
    INLINE_FIELDS = (
        "title",
        "summary",
        "body",
        "category",
        "latitude",
        "longitude",
        "address",
        "author_cost",
    )

    def __init__(
        self,
        *args,
        pool: Pool,
        district: District,
        with_images: bool = False,
        image_slots: int = MAX_IMAGES,
        validate_url: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.pool = pool
        self.district = district
        self.bounds = selectors.map_bounds(district=district)
        self.image_slots = image_slots
        self.fields["category"].label_from_instance = lambda category: category.name
        cost = self.fields["author_cost"]
        cost.widget.attrs["max"] = str(pool.amount)
        cost.help_text = _("In %(currency)s, more than zero and at most the pool’s amount.") % {
            "currency": pool.currency
        }
        if validate_url:
            # Inline validation: leaving a field posts the form and swaps in the field's partial.
            for name in self.INLINE_FIELDS:
                self.fields[name].widget.attrs.update(
                    {
                        "hx-post": validate_url,
                        "hx-trigger": "change, blur",
                        "hx-sync": "this:replace",
                        "hx-target": "closest .field",
                        "hx-swap": "outerHTML",
                        "hx-params": "not images,action",
                        "hx-vals": f'{{"_field": "{name}"}}',
                    }
                )
        if with_images and image_slots > 0:
            self.fields["images"] = MultipleImageField(
                label=_("Images"),
                required=False,
                help_text=_(
                    "Up to %(count)d images, JPEG, PNG or WebP, at most 5 MB each. "
                    "Location data in the files is removed."
                )
                % {"count": image_slots},
                widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
            )
            self.fields["images_alt"] = forms.CharField(
                label=_("Describe the images"),
                required=False,
                max_length=200,
                help_text=_("What they show, for people who cannot see them."),
            )

    def clean_author_cost(self) -> Decimal:
        cost = self.cleaned_data["author_cost"]
        if cost <= 0:
            raise ValidationError(_("The cost must be more than zero."), code="min")
        if cost > self.pool.amount:
            from civic.formatting import money

            raise ValidationError(
                _("The cost cannot exceed the pool of %(amount)s."),
                params={"amount": money(self.pool.amount, self.pool.currency)},
                code="max",
            )
        return cost

    def clean_images(self) -> list:
        files = self.cleaned_data.get("images") or []
        if len(files) > self.image_slots:
            raise ValidationError(
                _("You can add at most %(count)d images."),
                params={"count": self.image_slots},
                code="max_images",
            )
        errors = []
        for upload in files:
            try:
                check_image(upload)
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return files

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if "latitude" in self.errors or "longitude" in self.errors:
            return cleaned
        if (lat is None) != (lon is None):
            missing = "longitude" if lon is None else "latitude"
            self.add_error(missing, _("Give both latitude and longitude, or neither."))
        elif lat is not None and self.bounds is not None:
            south, west, north, east = self.bounds
            if not (south <= lat <= north and west <= lon <= east):
                message = _("This place is outside the district.")
                self.add_error("latitude", message)
                self.add_error("longitude", message)
        return cleaned

    def proposal_fields(self) -> dict:
        """The cleaned values the services take."""
        return {name: self.cleaned_data.get(name) for name in self.INLINE_FIELDS}

    @classmethod
    def initial_from(cls, proposal) -> dict:
        return {name: getattr(proposal, name) for name in cls.INLINE_FIELDS}


class ImageForm(forms.Form):
    """One image and its description, on the images page."""

    image = forms.FileField(
        label=_("Image"),
        help_text=_("JPEG, PNG or WebP, at most 5 MB. Location data in the file is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt_text = forms.CharField(
        label=_("Describe the image"),
        required=False,
        max_length=200,
        help_text=_("What it shows, for people who cannot see it."),
    )

    def clean_image(self):
        upload = self.cleaned_data["image"]
        check_image(upload)
        return upload


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, shown publicly)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommentForm(forms.Form):
    """A comment, or with `parent` a reply to a top-level comment."""

    body = forms.CharField(
        label=_("Your comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it? (optional)"), required=False, max_length=300
    )


SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("cost", _("Lowest cost first")),
    ("cost_desc", _("Highest cost first")),
    ("supports", _("Most supported first")),
]


class FilterForm(forms.Form):
    """The GET filters shared by the list and the map; bad values are simply ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    district = forms.ModelChoiceField(
        label=_("District"),
        required=False,
        queryset=District.objects.all(),
        to_field_name="slug",
        empty_label=_("All districts"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label=_("All categories"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(
        self, *args, fixed_district: District | None = None, with_sort: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fixed_district = fixed_district
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        self.fields["district"].label_from_instance = lambda district: district.name
        self.fields["category"].label_from_instance = lambda category: category.name
        self.fields["status"].choices = [("", _("Any status"))] + [
            (value, Status(value).label) for value in PUBLIC_STATUSES
        ]
        if fixed_district is not None:
            del self.fields["district"]
        if not with_sort:
            del self.fields["sort"]

    def filters(self) -> selectors.ProposalFilters:
        """The valid parts of the request as selector filters."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return selectors.ProposalFilters(
            district=self.fixed_district or data.get("district"),
            category=data.get("category"),
            status=data.get("status") or "",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "newest",
        )
