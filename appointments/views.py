"""Owner portal pages (/mijn/...): the warning-light catalogue and appointments for one's own
cars; garage pages (/garage/<id>/...): the requests to the garage and its own light advice."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments import catalogue, selectors, services
from appointments.forms import (
    AcceptSlotForm,
    AppointmentRequestForm,
    LightAdviceForm,
    LightSearchForm,
    ProposeForm,
)
from appointments.models import Appointment
from core.errors import ApplicationError
from garage.access import garage_member_required
from transfers.selectors import owner_car_get, owner_car_list

LIGHT_PARAMETER = "lampje"


def _active_cars(user) -> list:
    """The owner's cars they have accepted (a car still to confirm is not theirs to plan)."""
    return [car for car in owner_car_list(user=user) if car.activated_at]


def _request_url(plate: str, light_code: str = "") -> str:
    url = reverse("appointments:request", kwargs={"plate": plate})
    return f"{url}?{urlencode({LIGHT_PARAMETER: light_code})}" if light_code else url


# --- Owner: warning lights ---------------------------------------------------------------------


@login_required
@require_GET
def lights(request):
    """The catalogue in the active language, searchable without JavaScript (a GET form); with
    htmx the results are replaced as one types."""
    form = LightSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    cars = _active_cars(request.user)
    advice = selectors.light_advice_for_cars(cars=cars)
    rows = [(light, advice.get(light.code, ())) for light in catalogue.light_search(query)]
    context = {"form": form, "query": query, "rows": rows, "has_cars": bool(cars)}
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(
        request,
        "appointments/_light_results.html" if partial else "appointments/lights.html",
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
        "appointments/light_ask.html",
        {
            "light": catalogue.in_language(light, catalogue.language_of()),
            "cars": [(car, _request_url(car.plate, code)) for car in cars],
        },
    )


# --- Owner: appointments -----------------------------------------------------------------------


def _owner_car(request, plate):
    passport = owner_car_get(user=request.user, plate=plate)
    if not passport.activated_at:
        raise Http404  # confirm the car first (the portal's car page asks)
    return passport


@login_required
@require_http_methods(["GET", "POST"])
def request_appointment(request, plate):
    """The car's appointments with its garage, and the form to ask for one when none is open."""
    passport = _owner_car(request, plate)
    if plate != passport.plate:
        return redirect(_request_url(passport.plate, request.GET.get(LIGHT_PARAMETER, "")))
    state = selectors.owner_car_appointments(user=request.user, passport=passport)
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
                services.appointment_request(
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
                return redirect("appointments:request", plate=passport.plate)
    elif request.method == "POST":
        messages.info(
            request,
            _("You have already asked for an appointment for %(plate)s; wait for the answer.")
            % {"plate": passport.plate},
        )
        return redirect("appointments:request", plate=passport.plate)
    return render(
        request,
        "appointments/request.html",
        {
            "passport": passport,
            "state": state,
            "form": form,
            "light": catalogue.in_language(light, catalogue.language_of()) if light else None,
        },
    )


@login_required
@require_GET
def car_state(request, plate):
    """htmx: the appointment box of the portal's car page (without JavaScript that page links
    to the appointments page instead)."""
    passport = _owner_car(request, plate)
    if not request.htmx:
        return redirect("appointments:request", plate=passport.plate)
    state = selectors.owner_car_appointments(user=request.user, passport=passport)
    return render(
        request,
        "appointments/_car_state.html",
        {"passport": passport, "state": state, "compact": True},
    )


@login_required
@require_POST
def owner_accept(request, plate, appointment_id):
    passport = _owner_car(request, plate)
    appointment = selectors.owner_appointment_get(
        user=request.user, passport=passport, appointment_id=appointment_id
    )
    try:
        appointment = services.appointment_accept_proposal(
            appointment=appointment, actor=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Agreed: %(when)s at %(garage)s.")
            % {
                "when": services.slot_text(
                    appointment.planned_date, appointment.planned_part_of_day
                ),
                "garage": passport.garage.name,
            },
        )
    return redirect("appointments:request", plate=passport.plate)


@login_required
@require_POST
def owner_cancel(request, plate, appointment_id):
    passport = _owner_car(request, plate)
    appointment = selectors.owner_appointment_get(
        user=request.user, passport=passport, appointment_id=appointment_id
    )
    try:
        services.appointment_cancel(appointment=appointment, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your request has been cancelled; %(garage)s has been told.")
            % {"garage": passport.garage.name},
        )
    return redirect("appointments:request", plate=passport.plate)


# --- Garage ------------------------------------------------------------------------------------


def _can_answer(request) -> bool:
    return request.membership.role in services.ANSWER_ROLES


@garage_member_required()
@require_GET
def garage_list(request, garage):
    """Requests waiting for an answer, proposals waiting for the owner, agreed visits to come.
    Mechanics see the list; admins and sales answer."""
    return render(
        request,
        "appointments/garage_list.html",
        {
            "garage": garage,
            "appointments": selectors.garage_appointment_list(garage=garage),
            "can_answer": _can_answer(request),
        },
    )


@garage_member_required(*services.ANSWER_ROLES)
@require_POST
def garage_accept(request, garage, appointment_id):
    appointment = selectors.garage_appointment_get(garage=garage, appointment_id=appointment_id)
    form = AcceptSlotForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the times the owner gave."))
        return redirect(
            "appointments:garage_detail", garage_id=garage.pk, appointment_id=appointment.pk
        )
    try:
        appointment = services.appointment_accept_slot(
            appointment=appointment,
            slot_id=form.cleaned_data["slot"],
            actor=request.user,
            message=form.cleaned_data["message"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Agreed with the owner of %(plate)s: %(when)s. They get an email.")
            % {
                "plate": appointment.passport.plate,
                "when": services.slot_text(
                    appointment.planned_date, appointment.planned_part_of_day
                ),
            },
        )
    return redirect("appointments:garage_list", garage_id=garage.pk)


@garage_member_required()
@require_http_methods(["GET", "POST"])
def garage_detail(request, garage, appointment_id):
    """One request: accept a preferred time, or propose another (admins and sales)."""
    appointment = selectors.garage_appointment_get(garage=garage, appointment_id=appointment_id)
    can_answer = _can_answer(request)
    form = ProposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = services.appointment_propose(
                    appointment=appointment,
                    actor=request.user,
                    day=data["date"],
                    part_of_day=data["part_of_day"],
                    message=data["message"],
                )
            except ApplicationError as error:
                if error.field in form.fields:
                    form.add_error(error.field, error.message)
                else:
                    messages.error(request, error.message)
                    return redirect("appointments:garage_list", garage_id=garage.pk)
            else:
                messages.success(
                    request,
                    _("%(when)s proposed to the owner of %(plate)s. They get an email.")
                    % {
                        "plate": appointment.passport.plate,
                        "when": services.slot_text(
                            appointment.planned_date, appointment.planned_part_of_day
                        ),
                    },
                )
                return redirect("appointments:garage_list", garage_id=garage.pk)
    return render(
        request,
        "appointments/garage_detail.html",
        {
            "garage": garage,
            "appointment": appointment,
            "form": form,
            "can_answer": can_answer,
        },
    )


@garage_member_required()
@require_GET
def garage_lights(request, garage):
    """The catalogue with the garage's own advice per light (admins and sales edit it)."""
    advice = selectors.garage_light_advice(garage=garage)
    return render(
        request,
        "appointments/garage_lights.html",
        {
            "garage": garage,
            "rows": [(light, advice.get(light.code)) for light in catalogue.light_search()],
            "can_edit": request.membership.role in services.ADVICE_ROLES,
        },
    )


@garage_member_required(*services.ADVICE_ROLES)
@require_http_methods(["GET", "POST"])
def garage_light_edit(request, garage, code):
    light = catalogue.light_get(code)
    if light is None:
        raise Http404
    current = selectors.garage_light_advice_get(garage=garage, code=code)
    form = LightAdviceForm(
        request.POST if request.method == "POST" else None,
        initial={"text": current.text if current else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.light_advice_save(
                garage=garage, actor=request.user, code=code, text=form.cleaned_data["text"]
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            name = light.text().name
            if saved is None:
                messages.success(
                    request, _("Your advice on “%(light)s” was removed.") % {"light": name}
                )
            else:
                messages.success(
                    request, _("Your advice on “%(light)s” was saved.") % {"light": name}
                )
            url = reverse("appointments:garage_lights", kwargs={"garage_id": garage.pk})
            return redirect(f"{url}#{code}")
    return render(
        request,
        "appointments/garage_light_edit.html",
        {
            "garage": garage,
            "light": catalogue.in_language(light, catalogue.language_of()),
            "form": form,
        },
    )
