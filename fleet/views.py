import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from autopaspoort import roles
from autopaspoort.selectors import check_costs, passport_get, passport_timeline, rdw_findings
from core.errors import ApplicationError
from core.pagination import next_page_query
from core.spreadsheets import spreadsheet_amount, spreadsheet_safe
from core.text import single_stop
from fleet import selectors, services
from fleet.access import fleet_manager_required
from fleet.forms import DriverForm, FleetCreateForm, FleetFilterForm, FleetLinkForm
from garage.access import garage_member_required, garage_page
from transfers.models import Transfer
from transfers.views import transfer_form_flow


def _filters(request):
    form = FleetFilterForm(request.GET or None)
    form.is_valid()  # an invalid field is dropped (and shown); the valid ones still apply
    filters = getattr(form, "cleaned_data", {})
    return (
        form,
        {
            "apk_due": filters.get("apk_due", False),
            "needs_work": filters.get("needs_work", False),
            "open_recall": filters.get("open_recall", False),
            "search": filters.get("q", ""),
        },
        filters.get("after") or None,
    )


@fleet_manager_required
@require_GET
def dashboard(request, fleet):
    form, filters, after = _filters(request)
    page = selectors.fleet_car_page(fleet=fleet, after=after, **filters)
    next_query = next_page_query(request.GET, page.next_after)
    export_query = request.GET.copy()
    export_query.pop("after", None)  # the export and the first page: same filters, no cursor
    return render(
        request,
        "fleet/dashboard.html",
        {
            "fleet": fleet,
            "form": form,
            "page": page,
            "next_query": next_query,
            "export_query": export_query.urlencode(),
            "first_query": export_query.urlencode(),
            "is_first_page": not after,
            "summary": selectors.fleet_summary(fleet=fleet),
        },
    )


class _Echo:
    def write(self, value):
        return value


@fleet_manager_required
@require_GET
def export_csv(request, fleet):
    """The (filtered) fleet as CSV, streamed: a fleet of thousands stays one cheap download."""
    _form, filters, _after = _filters(request)
    writer = csv.writer(_Echo(), delimiter=";")  # ; opens straight in Dutch Excel
    header = [
        _("Plate"),
        _("Make"),
        _("Model"),
        _("Driver"),
        _("APK expires"),
        _("Latest check"),
        _("Needs work now"),
        _("Expected costs (€)"),
    ]

    def rows():
        yield "\ufeff"  # BOM: Excel reads the file as UTF-8
        yield writer.writerow(header)
        for car in selectors.fleet_car_export(fleet=fleet, **filters):
            yield writer.writerow(
                [
                    car.plate,
                    spreadsheet_safe(car.make),
                    spreadsheet_safe(car.model),
                    spreadsheet_safe(car.driver_name),
                    car.apk_expires.isoformat() if car.apk_expires else "",
                    (
                        timezone.localdate(car.latest_check.performed_at).isoformat()
                        if car.latest_check
                        else ""
                    ),
                    _("yes") if car.needs_work else _("no"),
                    spreadsheet_amount(car.expected_costs),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wagenpark-{fleet.pk}.csv"'
    return response


@fleet_manager_required
@require_GET
def car(request, fleet, plate):
    passport, link = selectors.fleet_car_get(fleet=fleet, plate=plate)
    current = passport.fleet_id == fleet.pk
    latest = passport.latest_check if current else None
    items = list(latest.items.all()) if latest else []
    return render(
        request,
        "fleet/car.html",
        {
            "fleet": fleet,
            "passport": passport,
            "link": link,
            "current": current,
            "latest_check": latest,
            "latest_items": items,
            "costs": check_costs(items),
            # Open recalls are the fleet's business while the car is in the fleet (its drivers
            # drive it); a car that left shows none.
            "rdw": rdw_findings(passport=passport) if current else None,
            # A car that left the fleet shows only what happened while it was in the fleet.
            "timeline": passport_timeline(
                passport=passport, since=link.linked_at, until=link.unlinked_at
            ),
        },
    )


def _current_car(fleet, plate):
    passport, _link = selectors.fleet_car_get(fleet=fleet, plate=plate)
    if passport.fleet_id != fleet.pk:
        raise PermissionDenied
    return passport


@fleet_manager_required
@require_http_methods(["GET", "POST"])
def driver_edit(request, fleet, plate):
    passport = _current_car(fleet, plate)
    initial = {
        "name": passport.driver_name,
        "email": passport.driver_email,
        "phone": passport.driver_phone,
    }
    form = DriverForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.driver_update(passport=passport, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Driver saved."))
        return redirect("fleet:car", fleet_id=fleet.pk, plate=passport.plate)
    return render(
        request, "fleet/driver_form.html", {"fleet": fleet, "passport": passport, "form": form}
    )


@fleet_manager_required
@require_http_methods(["GET", "POST"])
def transfer(request, fleet, plate):
    """A car leaves the fleet for a new owner: the same transfer as a garage's."""
    passport = _current_car(fleet, plate)
    car_url = reverse("fleet:car", kwargs={"fleet_id": fleet.pk, "plate": passport.plate})
    return transfer_form_flow(
        request,
        passport=passport,
        via=Transfer.Via.FLEET,
        back_url=car_url,
        done_url=fleet.get_absolute_url(),
        initial={},
    )


# --- Garage side: its business customers' fleets, linking cars ---------------------------


@garage_page("fleets")
@require_http_methods(["GET", "POST"])
def garage_fleets(request, garage):
    form = FleetCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            fleet = services.fleet_create(garage=garage, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                _("Fleet %(fleet)s created; %(email)s receives an invitation.")
                % {"fleet": fleet.name, "email": form.cleaned_data["manager_email"]},
            )
            return redirect("fleet:garage_fleets", garage_id=garage.pk)
    return render(
        request,
        "fleet/garage_fleets.html",
        {
            "garage": garage,
            "form": form,
            "fleets": selectors.fleets_for_linking(garage=garage).prefetch_related(
                "memberships__user"
            ),
        },
    )


@garage_member_required(*roles.TRANSFER)
@require_POST
def garage_link(request, garage, plate):
    passport = passport_get(garage=garage, plate=plate)
    form = FleetLinkForm(request.POST, fleets=selectors.fleets_for_linking(garage=garage))
    if not form.is_valid():
        messages.error(request, _("Choose a fleet."))
    else:
        fleet = form.cleaned_data["fleet"]
        # A private owner's car is never linked by the garage: the owner is asked instead.
        ask = not services.owner_consents_by_being(passport=passport, fleet=fleet)
        try:
            if ask:
                services.fleet_link_request(passport=passport, fleet=fleet, actor=request.user)
            else:
                services.fleet_link(passport=passport, fleet=fleet, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            message = (
                _("The owner of %(plate)s is asked by email to let it join %(fleet)s.")
                if ask
                else _("%(plate)s is now in the fleet %(fleet)s.")
            )
            messages.success(
                request, single_stop(message % {"plate": passport.plate, "fleet": fleet.name})
            )
    return redirect("autopaspoort:details", garage_id=garage.pk, plate=passport.plate)


@garage_member_required(*roles.TRANSFER)
@require_POST
def garage_unlink(request, garage, plate):
    passport = passport_get(garage=garage, plate=plate)
    try:
        services.fleet_unlink(passport=passport, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(plate)s has left the fleet.") % {"plate": passport.plate})
    return redirect("autopaspoort:details", garage_id=garage.pk, plate=passport.plate)
