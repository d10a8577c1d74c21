"""Garage pages (/garage/<id>/...): the requests to the garage and its own light advice. The
owner's side (the warning-light catalogue, requests for one's own cars) is in `portal`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments import catalogue, selectors, services
from appointments.forms import AcceptSlotForm, LightAdviceForm, ProposeForm
from core.errors import ApplicationError
from garage.access import garage_member_required, garage_page
from quotes import selectors as quote_selectors


def _can_answer(request) -> bool:
    return request.membership.role in services.ANSWER_ROLES


@garage_page("appointments")
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
                    # The sentence starts with the weekday ("Dinsdag 8 december ...").
                    capfirst(
                        _("%(when)s proposed to the owner of %(plate)s. They get an email.")
                        % {
                            "plate": appointment.passport.plate,
                            "when": services.slot_text(
                                appointment.planned_date, appointment.planned_part_of_day
                            ),
                        }
                    ),
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
            # A request from an approved quote: the lines the owner agreed to (one query).
            "quote_lines": [
                line for line in quote_selectors.quote_lines(appointment.quote) if line.accepted
            ]
            if appointment.quote_id
            else [],
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
