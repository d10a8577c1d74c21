"""The people's entry point. `start` sends a login to where this person works (a garage, a
fleet, their cars); the rest is the owner portal (/mijn/): an owner's own cars, never
another's, never garage internals. The views only call the services and selectors below."""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import user_from_uidb64
from accounts.services import account_delete, account_delete_refusal, data_export_record
from accounts.tokens import activation_token_generator
from appointments import catalogue
from appointments import selectors as appointment_selectors
from appointments import services as appointment_services
from appointments.forms import AppointmentRequestForm, LightSearchForm
from appointments.models import Appointment
from autopaspoort import selectors
from autopaspoort.services import garage_move_decide
from core.errors import ApplicationError
from core.middleware import no_store
from core.ratelimit import email_link_wait, too_many_link_requests
from core.text import single_stop
from fleet import selectors as fleet_selectors
from fleet.services import fleet_link_request_answer
from garage.selectors import membership_list_for_user
from network import selectors as network_selectors
from notifications.services import contact_preferences_update
from photos import selectors as photo_selectors
from portal.export import export_zip
from portal.forms import (
    AccountDeleteForm,
    ActivationResendForm,
    ContactPreferencesForm,
    PasswordConfirmForm,
)
from quotes import selectors as quote_selectors
from transfers import selectors as transfer_selectors
from transfers import services as transfer_services
from transfers.models import Transfer

LIGHT_PARAMETER = "lampje"

logger = logging.getLogger(__name__)


def _active_cars(user) -> list:
    """The owner's cars they have accepted (a car still to confirm is not theirs to plan)."""
    return [car for car in transfer_selectors.owner_car_list(user=user) if car.is_active]


def _request_url(plate: str, light_code: str = "") -> str:
    url = reverse("portal:appointment_request", kwargs={"plate": plate})
    return f"{url}?{urlencode({LIGHT_PARAMETER: light_code})}" if light_code else url


# --- Where a login lands --------------------------------------------------------------------------


@login_required
@require_GET  # a landing page: a POST here would be taken for a form that does nothing
def start(request):
    """Where a login lands: the place this person works in, or the welcome page."""
    if membership_list_for_user(user=request.user).exists():
        return redirect("garage:home")
    fleet = fleet_selectors.fleet_list_for_user(user=request.user).first()
    if fleet is not None:
        return redirect(fleet)
    if transfer_selectors.owner_car_list(user=request.user).exists():
        return redirect("portal:home")
    return render(request, "portal/welcome.html")


# --- The owner's cars -----------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    cars = list(transfer_selectors.owner_car_list(user=request.user))
    if not cars and (
        membership_list_for_user(user=request.user).exists()
        or fleet_selectors.fleet_list_for_user(user=request.user).exists()
    ):
        return redirect("home")  # staff without cars of their own: their garage or fleet
    return render(
        request,
        "portal/home.html",
        {
            "cars": [car for car in cars if car.is_active],
            "to_confirm": [car for car in cars if car.is_awaiting_activation],
            "move_requests": selectors.move_requests_for_owner(user=request.user),
            # Private sales waiting for the buyer (portal/_sales_open.html).
            "open_sales": list(transfer_selectors.owner_sales_open(user=request.user)),
        },
    )


@login_required
@require_GET
def car(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    if plate != passport.plate:
        return redirect("portal:car", plate=passport.plate)
    if passport.is_awaiting_activation:
        return render(request, "portal/accept.html", {"passport": passport})
    items = list(passport.latest_check.items.all()) if passport.latest_check else []
    # The latest check's photos, if it was made while this person owns the car (one query).
    photos = photo_selectors.attach_photos(
        items,
        photo_selectors.owner_check_photos(
            user=request.user, passport=passport, check=passport.latest_check
        ),
    )
    return render(
        request,
        "portal/car.html",
        {
            "passport": passport,
            "latest_check": passport.latest_check,
            "latest_items": items,
            "intake_photos": photos["intake"],
            "costs": selectors.check_costs(items),
            "timeline": selectors.passport_timeline(passport=passport),
            "rdw": selectors.rdw_findings(passport=passport),
            "periods": transfer_selectors.ownership_periods(passport=passport, viewer=request.user),
            "link_requests": fleet_selectors.fleet_link_requests_for_owner(
                user=request.user, passport=passport
            ),
            "move_requests": selectors.move_requests_for_owner(
                user=request.user, passport=passport
            ),
            # The quotes sent to this owner for this car, the ones to answer first (one query).
            "quotes": sorted(
                quote_selectors.owner_car_quotes(user=request.user, passport=passport),
                key=lambda quote: not quote.is_open,
            ),
            # What to expect in the next 12 months: the network's figures and the car's own
            # service rhythm (two queries).
            "outlook": network_selectors.car_outlook(passport, today=timezone.localdate()),
            # Why this owner may not sell the car privately, if so (portal/_sell.html).
            "sale_refusal": transfer_services.transfer_refusal(
                passport=passport, via=Transfer.Via.OWNER
            ),
        },
    )


@login_required
@require_POST
def fleet_request_answer(request, plate, request_id):
    """The owner lets the car join a fleet, or not. Only their own request for their own car."""
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    link_request = fleet_selectors.fleet_link_request_get(user=request.user, request_id=request_id)
    if link_request.passport_id != passport.pk or request.POST.get("answer") not in (
        "accept",
        "decline",
    ):
        raise Http404
    accept = request.POST["answer"] == "accept"
    try:
        fleet_link_request_answer(link_request=link_request, user=request.user, accept=accept)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        message = (
            _("%(plate)s has joined the fleet %(fleet)s.")
            if accept
            else _("You declined: %(plate)s does not join %(fleet)s.")
        )
        messages.success(
            request,
            single_stop(message % {"plate": passport.plate, "fleet": link_request.fleet.name}),
        )
    return redirect("portal:car", plate=passport.plate)


@login_required
@require_POST
def garage_move_answer(request, plate, move_request_id):
    """The owner lets another garage service the car, or not. Only their own request."""
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    move_request = selectors.move_request_get(user=request.user, request_id=move_request_id)
    answer = request.POST.get("answer")
    if move_request.passport_id != passport.pk or answer not in ("accept", "decline"):
        raise Http404
    accept = answer == "accept"
    try:
        garage_move_decide(move_request=move_request, user=request.user, accept=accept)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        message = (
            _("%(garage)s now services %(plate)s.")
            if accept
            else _("You declined: %(garage)s does not service %(plate)s.")
        )
        messages.success(
            request,
            single_stop(message % {"plate": passport.plate, "garage": move_request.to_garage.name}),
        )
    return redirect("portal:car", plate=passport.plate)


@login_required
@require_POST
def accept(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    transfer = transfer_selectors.transfer_waiting_for(user=request.user, passport=passport)
    if transfer is None:
        raise Http404
    try:
        transfer_services.transfer_accept(transfer=transfer, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("portal:home")
    messages.success(request, _("%(plate)s is now in your account.") % {"plate": passport.plate})
    return redirect("portal:car", plate=passport.plate)


# --- Activation of a new owner's account ----------------------------------------------------------

# The activation link's token is moved out of the URL at the first GET (as Django's own
# password reset view does): the page's address then holds no secret for access logs, the
# browser history or a Referer.
ACTIVATION_SESSION_TOKEN = "_activation_token"
ACTIVATION_URL_TOKEN = "wachtwoord-kiezen"


@no_store
@require_http_methods(["GET", "POST"])
def activate(request, uidb64, token):
    """The new owner's link: GET shows the set-password form and changes nothing; POST
    activates the account and logs the owner in on the car's page."""
    user = user_from_uidb64(uidb64)
    from_session = token == ACTIVATION_URL_TOKEN
    if from_session:
        token = request.session.get(ACTIVATION_SESSION_TOKEN, "")
    if user is None or user.is_active or not activation_token_generator.check_token(user, token):
        return render(request, "portal/activation_invalid.html", {"form": ActivationResendForm()})
    if request.method == "GET" and not from_session:
        request.session[ACTIVATION_SESSION_TOKEN] = token
        return redirect("portal:activate", uidb64=uidb64, token=ACTIVATION_URL_TOKEN)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            transfers = transfer_services.owner_activate(
                user=user, token=token, password=form.cleaned_data["new_password1"]
            )
        except ApplicationError as error:
            return render(
                request,
                "portal/activation_invalid.html",
                {"form": ActivationResendForm(), "reason": error.message},
            )
        else:
            request.session.pop(ACTIVATION_SESSION_TOKEN, None)
            user.refresh_from_db()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your AutoPaspoort is active."))
            if transfers:
                return redirect("portal:car", plate=transfers[-1].passport.plate)
            return redirect("portal:home")
    return render(request, "portal/activation_set_password.html", {"form": form, "user": user})


@no_store
@require_POST
def activation_resend(request):
    form = ActivationResendForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/activation_invalid.html", {"form": form})
    wait = email_link_wait(request, form.cleaned_data["email"])
    if wait is not None:
        form.add_error("email", too_many_link_requests(wait))
        return render(request, "portal/activation_invalid.html", {"form": form}, status=429)
    transfer_services.activation_resend_request(email=form.cleaned_data["email"])
    return render(request, "portal/activation_resend_sent.html")


# --- Email settings -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_settings(request):
    """The owner's switches for reminder and promotion emails (/mijn/instellingen/)."""
    user = request.user
    if request.method == "POST":
        form = ContactPreferencesForm(request.POST)
        if form.is_valid():
            contact_preferences_update(user=user, **form.cleaned_data)
            messages.success(request, _("Your email settings are saved."))
            return redirect("portal:settings")
    else:
        form = ContactPreferencesForm(
            initial={
                "reminders_enabled": user.reminders_enabled,
                "promotions_enabled": user.promotions_enabled,
                "check_reports_enabled": user.check_reports_enabled,
            }
        )
    return render(request, "portal/settings.html", {"form": form})


# --- My data (AVG): download it, delete the account ---------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def data_download(request):
    """/mijn/gegevens/: the person's data as a ZIP (JSON and each car's PDF), after their
    password; each download is recorded (accounts.PrivacyEvent)."""
    form = PasswordConfirmForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        export = export_zip(user=request.user)
        data_export_record(user=request.user)
        logger.info("Data download: %s car PDFs in %.2f s", export.pdf_count, export.pdf_seconds)
        response = HttpResponse(export.content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        # A person's data: no shared or browser cache keeps a copy.
        patch_cache_control(response, no_store=True, private=True)
        return response
    return render(request, "portal/data_download.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """/mijn/account-verwijderen/: erase the account after the password and a tick; the
    session ends and the person lands on a page that says what happened."""
    refusal = account_delete_refusal(user=request.user)
    form = AccountDeleteForm(request.POST or None, request=request)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            account_delete(user=request.user)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            logout(request)
            return redirect("account_deleted")
    cars = list(transfer_selectors.owner_car_list(user=request.user))
    return render(
        request,
        "portal/delete_account.html",
        {"form": form, "refusal": refusal, "cars": cars},
        status=409 if refusal and request.method == "POST" else 200,
    )


@require_GET
def account_deleted(request):
    return render(request, "portal/account_deleted.html")


# --- Warning lights -------------------------------------------------------------------------------


@login_required
@require_GET
def lights(request):
    """The catalogue in the active language, searchable without JavaScript (a GET form); with
    htmx the results are replaced as one types."""
    form = LightSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    cars = _active_cars(request.user)
    advice = appointment_selectors.light_advice_for_cars(cars=cars)
    rows = [(light, advice.get(light.code, ())) for light in catalogue.light_search(query)]
    context = {"form": form, "query": query, "rows": rows, "has_cars": bool(cars)}
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(
        request,
        "portal/_light_results.html" if partial else "portal/lights.html",
        context,
    )
    patch_vary_headers(response, ["HX-Request"])  # a cache must not serve the part as the page
    return response


@login_required
@require_GET
def light_ask(request, code):
    """The "ask my garage" button of a light: straight to the request form for the owner's
    only car, or a choice of car first."""
    light = catalogue.light_get(code)
    if light is None:
        raise Http404
    cars = _active_cars(request.user)
    if len(cars) == 1:
        return redirect(_request_url(cars[0].plate, code))
    return render(
        request,
        "portal/light_ask.html",
        {
            "light": catalogue.in_language(light, catalogue.language_of()),
            "cars": [(car, _request_url(car.plate, code)) for car in cars],
        },
    )


# --- Appointments with the garage -----------------------------------------------------------------


def _owner_car(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    if passport.is_awaiting_activation:
        raise Http404  # confirm the car first (the portal's car page asks)
    return passport


@login_required
@require_http_methods(["GET", "POST"])
def appointment_request(request, plate):
    """The car's appointments with its garage, and the form to ask for one when none is open."""
    passport = _owner_car(request, plate)
    if plate != passport.plate:
        return redirect(_request_url(passport.plate, request.GET.get(LIGHT_PARAMETER, "")))
    state = appointment_selectors.owner_car_appointments(user=request.user, passport=passport)
    form = light = None
    if state.open is None:
        light = catalogue.light_get(request.GET.get(LIGHT_PARAMETER, ""))
        initial = (
            {"reason": Appointment.Reason.WARNING_LIGHT, "warning_light": light.code}
            if light
            else {}
        )
        form = AppointmentRequestForm(
            request.POST if request.method == "POST" else None, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                appointment_services.appointment_request(
                    passport=passport,
                    actor=request.user,
                    reason=data["reason"],
                    slots=form.slots(),
                    note=data["note"],
                    warning_light=data["warning_light"],
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    _("%(garage)s has your request. You will get an email with the answer.")
                    % {"garage": passport.garage.name},
                )
                return redirect("portal:appointment_request", plate=passport.plate)
    elif request.method == "POST":
        messages.info(
            request,
            _("You have already asked for an appointment for %(plate)s; wait for the answer.")
            % {"plate": passport.plate},
        )
        return redirect("portal:appointment_request", plate=passport.plate)
    return render(
        request,
        "portal/appointment_request.html",
        {
            "passport": passport,
            "state": state,
            "form": form,
            "light": catalogue.in_language(light, catalogue.language_of()) if light else None,
        },
    )


@login_required
@require_GET
def appointment_state(request, plate):
    """htmx: the appointment box of the portal's car page (without JavaScript that page links
    to the appointments page instead)."""
    passport = _owner_car(request, plate)
    if not request.htmx:
        return redirect("portal:appointment_request", plate=passport.plate)
    state = appointment_selectors.owner_car_appointments(user=request.user, passport=passport)
    return render(
        request,
        "portal/_appointment_state.html",
        {"passport": passport, "state": state, "compact": True},
    )


def _appointment_answer(request, plate, appointment_id, *, act, said):
    """The owner answers the garage about one appointment (`act`); `said(appointment,
    passport)` is the message when it worked. Back to the car's appointments either way."""
    passport = _owner_car(request, plate)
    appointment = appointment_selectors.owner_appointment_get(
        user=request.user, passport=passport, appointment_id=appointment_id
    )
    try:
        appointment = act(appointment=appointment, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, said(appointment, passport))
    return redirect("portal:appointment_request", plate=passport.plate)


@login_required
@require_POST
def appointment_accept(request, plate, appointment_id):
    return _appointment_answer(
        request,
        plate,
        appointment_id,
        act=appointment_services.appointment_accept_proposal,
        said=lambda appointment, passport: single_stop(
            _("Agreed: %(when)s at %(garage)s.")
            % {
                "when": appointment_services.slot_text(
                    appointment.planned_date, appointment.planned_part_of_day
                ),
                "garage": passport.garage.name,
            }
        ),
    )


@login_required
@require_POST
def appointment_cancel(request, plate, appointment_id):
    return _appointment_answer(
        request,
        plate,
        appointment_id,
        act=appointment_services.appointment_cancel,
        said=lambda appointment, passport: (
            _("Your request has been cancelled; %(garage)s has been told.")
            % {"garage": passport.garage.name}
        ),
    )
