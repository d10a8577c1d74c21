from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments.selectors import dashboard_requests
from autopaspoort import rdw, roles, selectors, services, vehicle_data
from autopaspoort.forms import (
    DashboardFilterForm,
    HistoryEntryForm,
    PassportCreateForm,
    StatusCheckForm,
    StatusCheckItemFormSet,
    VehicleDataForm,
    check_initial,
    checklist_initial,
)
from core.emails import normalize_email
from core.errors import ApplicationError
from core.ids import parse_id
from core.pagination import next_page_query
from core.vat import vat_split
from fleet.forms import FleetLinkForm
from fleet.selectors import fleet_link_history, fleet_link_request_pending, fleets_for_linking
from fleet.services import needs_owner_consent, passport_create_linked
from garage.access import garage_member_required, garage_page
from network import selectors as network_selectors
from photos import selectors as photo_selectors
from photos import services as photo_services
from photos.forms import INTAKE, PhotoUploadForm
from photos.models import CheckPhoto
from quotes import selectors as quote_selectors
from quotes import services as quote_services
from transfers import services as transfer_services
from transfers.forms import OwnerContactEditForm
from transfers.selectors import private_sales_recent, transfer_latest
from transfers.views import stash_prefill


def _require(request, allowed_roles):
    if request.membership.role not in allowed_roles:
        raise PermissionDenied


def _add_service_error(form, error):
    """Put a service's refusal beside its field (or on top of the form)."""
    if isinstance(error, ValidationError):
        form.add_error(None, error)
    else:
        form.add_error(error.field, error.message)


@garage_page("dashboard")
@require_GET
def dashboard(request, garage):
    """The garage's cars: counts, cost totals, search and a keyset-paginated list."""
    form = DashboardFilterForm(request.GET or None)
    form.is_valid()  # an invalid field is dropped (and shown); the valid ones still apply
    filters = getattr(form, "cleaned_data", {})
    search = filters.get("q", "")
    elsewhere = None
    if search:
        exact = selectors.passport_find_exact(garage=garage, raw_plate=search)
        if exact is not None:
            return redirect(exact)
        # Another garage's car: ask its owner instead of a dead end, or, for a car that moved
        # on from this garage, what this garage wrote (read-only).
        elsewhere = selectors.plate_elsewhere(garage=garage, raw_plate=search)
        if elsewhere is not None and elsewhere.handed_over:
            return redirect("autopaspoort:handed_over", garage_id=garage.pk, plate=elsewhere.plate)

    def cars_html() -> str:
        page = selectors.passport_list(
            garage=garage,
            state=filters.get("state", ""),
            needs_work=filters.get("needs_work", False),
            open_recall=filters.get("open_recall", False),
            search=search,
            after=filters.get("after"),
        )
        context = {
            "form": form,
            "page": page,
            "next_query": next_page_query(request.GET, page.next_after),
            "is_first_page": not filters.get("after"),
            "elsewhere": elsewhere,
            "garage": garage,
        }
        if elsewhere is not None:  # the offer to ask the owner is a POST form, for some roles
            context["csrf_token"] = get_token(request)
            context.update(roles.capabilities(request.membership))
        return mark_safe(render_to_string("autopaspoort/_dashboard_cars.html", context))  # noqa: S308

    def overview_html() -> str:
        today = timezone.localdate()
        context = {
            "garage": garage,
            "summary": selectors.dashboard_summary(garage=garage),
            "appointment_requests": dashboard_requests(garage=garage),
            "private_sales": private_sales_recent(garage=garage),
            "maintenance_soon": selectors.maintenance_due_soon(garage=garage, today=today),
            "today": today,
        }
        return mark_safe(render_to_string("autopaspoort/_dashboard_overview.html", context))  # noqa: S308

    # What else each part depends on: the language, the day and the garage's BTW setting; the
    # list also on the query string. A search is not cached.
    language = get_language()
    overview_variant = f"{language}:{timezone.localdate()}:{garage.prices_include_vat}"
    cars_variant = f"{language}:{request.GET.urlencode()}"
    overview, cars = selectors.dashboard_cached(
        garage=garage,
        overview=(overview_variant, overview_html),
        cars=None if search or form.errors else (cars_variant, cars_html),
    )
    return render(
        request,
        "autopaspoort/dashboard.html",
        {
            "garage": garage,
            "membership": request.membership,
            "overview_html": overview,
            "cars_html": cars if cars is not None else cars_html(),
            **roles.capabilities(request.membership),
        },
    )


@garage_page("passport_create")
@require_http_methods(["GET", "POST"])
def passport_create(request, garage):
    lookup_url = reverse("autopaspoort:vehicle_lookup", kwargs={"garage_id": garage.pk})
    data = request.POST.copy() if request.method == "POST" else None
    lookup = None
    if data is not None and "lookup" in data:
        # Without JavaScript the "Look up" button does what htmx does on typing.
        lookup = _lookup_into(data)
        form = PassportCreateForm(
            data, lookup_url=lookup_url, fleets=fleets_for_linking(garage=garage)
        )
        form.errors.clear()  # a lookup is not a submit: don't shout about empty fields
    else:
        form = PassportCreateForm(
            data,
            initial={"owner_email": garage.email},
            lookup_url=lookup_url,
            fleets=fleets_for_linking(garage=garage),
        )
        if data is not None and form.is_valid():
            for_customer = form.cleaned_data["owner_email"] != normalize_email(garage.email)
            if for_customer and form.cleaned_data.get("fleet"):
                form.add_error(
                    "fleet",
                    _(
                        "A car for a customer is not put in a fleet: leave the fleet empty, or "
                        "use your garage's email and link the car to the fleet."
                    ),
                )
        if data is not None and form.is_valid() and "lookup" not in data:
            for_customer = form.cleaned_data["owner_email"] != normalize_email(garage.email)
            try:
                passport = passport_create_linked(
                    garage=garage,
                    actor=request.user,
                    plate=form.cleaned_data["plate"],
                    owner_email=garage.email if for_customer else form.cleaned_data["owner_email"],
                    odometer_km=form.cleaned_data["odometer_km"],
                    vehicle=form.vehicle_data(),
                    fleet=form.cleaned_data.get("fleet"),
                    **({} if for_customer else form.owner_details()),
                )
            except (ApplicationError, ValidationError) as error:
                _add_service_error(form, error)
            else:
                for warning in form.plate_warnings:
                    messages.warning(request, warning)
                if for_customer:
                    # A passport for a customer starts as stock and is handed over the same
                    # way as every sold car: the transfer form, with the details typed here.
                    stash_prefill(request, plate=passport.plate, contact=form.customer_contact())
                    messages.info(
                        request,
                        _(
                            "AutoPaspoort created for %(plate)s. Check the owner and confirm the "
                            "transfer."
                        )
                        % {"plate": passport.plate},
                    )
                    return redirect("transfers:start", garage_id=garage.pk, plate=passport.plate)
                messages.success(
                    request,
                    _("AutoPaspoort created for %(plate)s.") % {"plate": passport.plate},
                )
                return redirect(passport)
    return render(
        request,
        "autopaspoort/passport_create.html",
        {"garage": garage, "form": form, "lookup": lookup},
    )


def _lookup_into(data) -> rdw.LookupResult | None:
    """Fill the vehicle fields of a form's data from the RDW; returns the lookup.

    What the user typed is never replaced: only empty fields, and fields still holding what an
    earlier lookup put there (`rdw_filled`: the data of a plate typed before), take the RDW's
    values. A lookup that finds nothing changes no field."""
    try:
        plate = services.plates.normalize(data.get("plate", ""))
    except ValidationError:
        return None
    result = rdw.lookup(plate)
    if result.vehicle is None:
        # The hidden RDW facts were of another plate, if any; `rdw_filled` stays, so a later
        # lookup that finds a car still knows which values were the RDW's, not the user's.
        for field in PassportCreateForm.RDW_FIELDS:
            data[field] = ""
        return result
    earlier = QueryDict(data.get("rdw_filled", ""))
    filled = {}
    for field, value in services.vehicle_fields(result.vehicle).items():
        if field not in PassportCreateForm.VEHICLE_FIELDS:
            continue
        current = data.get(field, "")
        if current and current != earlier.get(field):
            continue  # typed by the user: theirs
        value = (value.isoformat() if hasattr(value, "isoformat") else value) if value else ""
        data[field] = value
        if value:
            filled[field] = value
    data["rdw_plate"] = plate
    data["rdw_status"] = result.status
    data["rdw_odometer_judgement"] = result.vehicle.odometer_judgement
    data["rdw_filled"] = urlencode(filled)
    return result


@garage_member_required()
@require_GET
def vehicle_lookup(request, garage):
    """htmx: the vehicle fieldset, filled from the RDW as soon as the plate is valid."""
    _require(request, roles.CREATE_PASSPORT)
    data = request.GET.copy()
    try:
        plate = services.plates.normalize(data.get("plate", ""))
    except ValidationError:
        return HttpResponse(status=204)  # still typing: leave the fields as they are
    lookup = _lookup_into(data)  # the fieldset comes along: what the user typed stays
    form = PassportCreateForm(data)
    return render(
        request,
        "autopaspoort/_vehicle_fields.html",
        {
            "form": form,
            "lookup": lookup,
            "plate_warnings": services.plates.warnings(plate),
        },
    )


@garage_member_required()
@require_GET
def profile(request, garage, plate):
    passport = selectors.passport_get(garage=garage, plate=plate, full=False)
    if plate != passport.plate:
        return redirect(passport)  # any spelling in the address bar lands on the canonical URL
    latest = passport.latest_check
    items = list(latest.items.all()) if latest else []
    photos = photo_selectors.attach_photos(
        items, photo_selectors.check_photos(check=latest) if latest else []
    )
    # The car's quotes and work orders, for those who make them (one query).
    can_quote = request.membership.role in quote_services.MAKE_QUOTES
    quotes = quote_selectors.passport_quotes(passport=passport, garage=garage) if can_quote else []
    context = {
        "garage": garage,
        "passport": passport,
        "can_quote": can_quote,
        "quotes": quotes,
        "quote_draft": next((quote for quote in quotes if quote.is_draft), None),
        "latest_check": latest,
        "latest_items": items,
        "intake_photos": photos["intake"],
        "costs": selectors.check_costs(items),
        "timeline": selectors.passport_timeline(passport=passport),
        "rdw": selectors.rdw_findings(passport=passport),
        "transfer": transfer_latest(passport=passport),
        "offer": transfer_services.transfer_offer(passport=passport, role=request.membership.role),
        "rdw_disagreements": vehicle_data.open_disagreements(passport),
        # What the owner can expect (the network's figures, the car's own rhythm): two queries.
        "outlook": network_selectors.car_outlook(passport, today=timezone.localdate()),
        **roles.capabilities(request.membership),
    }
    return render(request, "autopaspoort/profile.html", context)


@garage_member_required()
@require_GET
def close_profile(request, garage, plate):
    """The back arrow. A stock car's profile asks whether to transfer it to a customer."""
    passport = selectors.passport_get(garage=garage, plate=plate)
    if not passport.is_stock or request.membership.role not in roles.TRANSFER:
        return redirect("garage:dashboard", garage_id=garage.pk)
    template = (
        "autopaspoort/_close_dialog.html" if request.htmx else "autopaspoort/close_prompt.html"
    )
    refusal = transfer_services.transfer_refusal(passport=passport)
    return render(
        request, template, {"garage": garage, "passport": passport, "transfer_refusal": refusal}
    )


@garage_member_required()
@require_GET
def owner_details(request, garage, plate):
    passport = selectors.passport_get(garage=garage, plate=plate)
    capabilities = roles.capabilities(request.membership)
    return render(
        request,
        "autopaspoort/owner_details.html",
        {
            "garage": garage,
            "passport": passport,
            "fleet_links": fleet_link_history(passport=passport),
            "offer": transfer_services.transfer_offer(
                passport=passport, role=request.membership.role
            ),
            "link_request": fleet_link_request_pending(passport=passport),
            "link_needs_consent": needs_owner_consent(passport=passport),
            "link_form": (
                FleetLinkForm(fleets=fleets_for_linking(garage=garage))
                if capabilities["can_transfer"] and not passport.fleet_id
                else None
            ),
            **capabilities,
        },
    )


@garage_member_required(*roles.TRANSFER)
@require_http_methods(["GET", "POST"])
def owner_edit(request, garage, plate):
    """The garage corrects the current owner's name, address or phone (not the email)."""
    passport = selectors.passport_get(garage=garage, plate=plate)
    if passport.is_stock or passport.is_owner_left:
        raise Http404  # stock: the account settings; owner left: nobody to correct
    form = OwnerContactEditForm.for_passport(
        passport, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            transfer_services.owner_contact_update(
                passport=passport,
                actor=request.user,
                **{name: form.cleaned_data[name] for name in form.CONTACT_FIELDS},
                expected_version=form.cleaned_data["expected_version"],
            )
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("The owner's details are saved."))
            return redirect("autopaspoort:details", garage_id=garage.pk, plate=passport.plate)
    return render(
        request,
        "autopaspoort/owner_edit.html",
        {"garage": garage, "passport": passport, "form": form},
    )


@garage_member_required()
@require_http_methods(["GET", "POST"])
def check_create(request, garage, plate):
    _require(request, roles.RECORD_CHECK)
    passport = selectors.passport_get(garage=garage, plate=plate)
    corrects = None
    if request.GET.get("corrects"):
        corrects_id = parse_id(request.GET["corrects"])
        if corrects_id is None:
            raise Http404
        corrects = selectors.check_get(passport=passport, check_id=corrects_id)
    form = StatusCheckForm(
        request.POST if request.method == "POST" else None,
        initial=check_initial(passport=passport, corrects=corrects),
    )
    items = StatusCheckItemFormSet(
        request.POST if request.method == "POST" else None,
        initial=checklist_initial(corrects),
        prefix="items",
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        try:
            services.status_check_record(
                passport=passport,
                actor=request.user,
                items=[
                    services.CheckItemInput(
                        component=item["component"],
                        rating=item["rating"],
                        estimated_cost=item["estimated_cost"] or 0,
                        note=item["note"],
                        description=item["description"],
                        tread_depth_mm=item["tread_depth_mm"],
                        fix_before_delivery=item["fix_before_delivery"],
                    )
                    for item in items.cleaned_data
                    if not item.get("skip")
                ],
                corrects=corrects,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Status check saved."))
            return redirect(passport)
    return render(
        request,
        "autopaspoort/check_form.html",
        {
            "garage": garage,
            "passport": passport,
            "form": form,
            "items": items,
            "corrects": corrects,
            **roles.capabilities(request.membership),
        },
    )


@garage_member_required()
@require_http_methods(["GET", "POST"])
def check_detail(request, garage, plate, check_id):
    """The report, with its photos; a mechanic adds photos here (a plain multipart POST per
    item or for the intake; static/js/photos.js shows the upload's progress)."""
    passport = selectors.passport_get(garage=garage, plate=plate, latest_items=False, full=False)
    check = selectors.check_get(passport=passport, check_id=check_id)
    items = list(check.items.all())
    costs = selectors.check_costs(items)
    capabilities = roles.capabilities(request.membership)
    can_upload = capabilities["can_check"] and photo_services.upload_open(check)
    failed = None
    if request.method == "POST":
        _require(request, roles.RECORD_CHECK)
        target = request.POST.get("target", "")
        by_id = {str(item.pk): item for item in items}
        if target != INTAKE and target not in by_id:
            return HttpResponseBadRequest()
        failed = PhotoUploadForm(request.POST, request.FILES, target=target)
        if failed.is_valid():
            data = failed.cleaned_data
            try:
                added = photo_services.photos_add(
                    check=check,
                    actor=request.user,
                    files=data["photos"],
                    kind=data.get("kind") or CheckPhoto.Kind.ITEM,
                    item=by_id.get(target),
                )
            except ApplicationError as error:
                failed.add_error("photos" if error.field != "kind" else "kind", error.message)
            else:
                messages.success(
                    request,
                    ngettext("%(count)s photo added.", "%(count)s photos added.", len(added))
                    % {"count": len(added)},
                )
                url = reverse(
                    "autopaspoort:check_detail",
                    kwargs={"garage_id": garage.pk, "plate": passport.plate, "check_id": check.pk},
                )
                return redirect(f"{url}#photos-{target}")
    grouped = photo_selectors.attach_photos(items, photo_selectors.check_photos(check=check))
    for item in items:
        item.photo_form = None
        if can_upload:
            form_target = str(item.pk)
            item.photo_form = (
                failed
                if failed is not None and failed.for_target == form_target
                else PhotoUploadForm(target=form_target)
            )
    intake_form = None
    if can_upload:
        intake_form = (
            failed
            if failed is not None and failed.for_target == INTAKE
            else PhotoUploadForm(target=INTAKE)
        )
    return render(
        request,
        "autopaspoort/check_detail.html",
        {
            "garage": garage,
            "passport": passport,
            "check": check,
            "items": items,
            "costs": costs,
            "expected_vat": vat_split(costs.expected, includes_vat=garage.prices_include_vat),
            "delivery_vat": vat_split(costs.delivery, includes_vat=garage.prices_include_vat),
            "intake_photos": grouped["intake"],
            "intake_form": intake_form,
            "can_upload": can_upload,
            "upload_open_until": photo_services.upload_open_until(check),
            **capabilities,
        },
        status=400 if failed is not None else 200,
    )


@garage_member_required()
@require_http_methods(["GET", "POST"])
def history_create(request, garage, plate):
    _require(request, roles.ADD_HISTORY)
    passport = selectors.passport_get(garage=garage, plate=plate)
    form = HistoryEntryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.history_entry_add(
                passport=passport,
                actor=request.user,
                kind=data["kind"],
                on=data["date"],
                odometer_km=data["odometer_km"],
                description=data["description"],
                cost=data["cost"],
                odometer_correction_reason=data["odometer_correction_reason"],
                apk_expires=data["apk_expires"],
            )
        except ApplicationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("History entry added."))
            return redirect(passport)
    return render(
        request,
        "autopaspoort/history_form.html",
        {"garage": garage, "passport": passport, "form": form},
    )


@garage_member_required(*roles.EDIT_VEHICLE_DATA)
@require_http_methods(["GET", "POST"])
def vehicle_edit(request, garage, plate):
    """Correct the vehicle data by hand, with the history of every change below the form."""
    passport = selectors.passport_get(garage=garage, plate=plate)
    form = VehicleDataForm.for_passport(
        passport, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = vehicle_data.vehicle_data_update(
                passport=passport, actor=request.user, changes=form.changes()
            )
        except ApplicationError as error:
            _add_service_error(form, error)
        else:
            if changed:
                messages.success(request, _("The vehicle data is saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(passport)
    return render(
        request,
        "autopaspoort/vehicle_edit.html",
        {
            "garage": garage,
            "passport": passport,
            "form": form,
            "fields": [
                (form[name], source)
                for name, source in vehicle_data.field_sources(passport).items()
            ],
            "disagreements": vehicle_data.open_disagreements(passport),
            "changes": selectors.vehicle_changes(passport=passport),
        },
    )


@garage_member_required(*roles.EDIT_VEHICLE_DATA)
@require_POST
def vehicle_choose(request, garage, plate):
    """Settle one disagreement with the RDW: take its value or keep the garage's."""
    passport = selectors.passport_get(garage=garage, plate=plate)
    field = request.POST.get("field", "")
    if field not in vehicle_data.RDW_FIELDS or request.POST.get("choice") not in ("rdw", "ours"):
        return HttpResponseBadRequest(_("Choose the RDW's value or your own."))
    try:
        vehicle_data.vehicle_data_choose(
            passport=passport,
            actor=request.user,
            field=field,
            take_rdw=request.POST["choice"] == "rdw",
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your choice is saved."))
    return redirect("autopaspoort:vehicle_edit", garage_id=garage.pk, plate=passport.plate)


@garage_member_required()
@require_POST
def item_delivery(request, garage, plate, item_id):
    """Plan (or unplan) fixing a finding before a stock car is delivered."""
    _require(request, roles.MARK_FOR_DELIVERY)
    passport = selectors.passport_get(garage=garage, plate=plate)
    item = selectors.check_item_get(passport=passport, item_id=item_id)
    try:
        services.check_item_set_delivery(
            item=item, actor=request.user, fix_before_delivery=request.POST.get("fix") == "1"
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(passport)


# --- Moving a customer's car to another garage ---------------------------------------------------


@garage_member_required(*roles.REQUEST_MOVE)
@require_POST
def move_request(request, garage, plate):
    """Ask the owner of another garage's car to let this garage service it."""
    passport = selectors.passport_elsewhere_get(garage=garage, plate=plate)
    try:
        services.garage_move_request(passport=passport, garage=garage, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("We asked the owner of %(plate)s. You will get an email when they answer.")
            % {"plate": passport.plate},
        )
    dashboard_url = reverse("garage:dashboard", kwargs={"garage_id": garage.pk})
    return redirect(f"{dashboard_url}?{urlencode({'q': passport.plate})}")


@garage_member_required()
@require_GET
def handed_over(request, garage, plate):
    """A car that moved to another garage: what this garage wrote up to the move, read-only."""
    handover = selectors.handover_get(garage=garage, plate=plate)
    passport = handover.passport
    if plate != passport.plate:
        return redirect("autopaspoort:handed_over", garage_id=garage.pk, plate=passport.plate)
    timeline = selectors.passport_timeline(
        passport=passport, written_by=garage, until=handover.moved_at
    )
    return render(
        request,
        "autopaspoort/handed_over.html",
        {"garage": garage, "passport": passport, "handover": handover, "timeline": timeline},
    )
