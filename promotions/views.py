from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.ids import parse_id
from garage.access import garage_member_required, garage_page
from promotions import selectors, services
from promotions.forms import PromotionForm
from promotions.services import SEND_ROLES


def _after(request) -> int | None:
    return parse_id(request.GET.get("after"))


@garage_page("promotions")
@require_GET
def promotion_list(request, garage):
    after = _after(request)
    page = selectors.promotion_list(garage=garage, after=after)
    return render(
        request,
        "promotions/list.html",
        {"garage": garage, "page": page, "is_first_page": after is None},
    )


def _form_page(request, garage, *, promotion=None):
    makes, fuels = selectors.segment_options(garage=garage)
    initial = PromotionForm.initial_for(promotion) if promotion else {}
    form = PromotionForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        makes=makes,
        fuels=fuels,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if promotion is None:
                promotion = services.promotion_create(
                    garage=garage, actor=request.user, **form.promotion_fields()
                )
            else:
                promotion = services.promotion_update(
                    promotion=promotion, actor=request.user, **form.promotion_fields()
                )
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            return redirect("promotions:preview", garage_id=garage.pk, promotion_id=promotion.pk)
    return render(
        request,
        "promotions/form.html",
        {"garage": garage, "form": form, "promotion": promotion},
    )


@garage_member_required(*SEND_ROLES)
@require_http_methods(["GET", "POST"])
def promotion_create(request, garage):
    return _form_page(request, garage)


@garage_member_required(*SEND_ROLES)
@require_http_methods(["GET", "POST"])
def promotion_edit(request, garage, promotion_id):
    promotion = selectors.promotion_get(garage=garage, promotion_id=promotion_id)
    if not promotion.is_draft:
        return redirect(promotion)
    return _form_page(request, garage, promotion=promotion)


@garage_member_required(*SEND_ROLES)
@require_GET
def promotion_preview(request, garage, promotion_id):
    """The draft as owners will read it and how many owners it reaches; nothing is sent."""
    promotion = selectors.promotion_get(garage=garage, promotion_id=promotion_id)
    if not promotion.is_draft:
        return redirect(promotion)
    return render(
        request,
        "promotions/preview.html",
        {
            "garage": garage,
            "promotion": promotion,
            "reach": selectors.promotion_reach(promotion=promotion),
            "has_ended": promotion.has_ended(timezone.localdate()),
        },
    )


@garage_member_required(*SEND_ROLES)
@require_POST
def promotion_send(request, garage, promotion_id):
    promotion = selectors.promotion_get(garage=garage, promotion_id=promotion_id)
    try:
        promotion = services.promotion_send(promotion=promotion, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        if promotion.is_draft:
            return redirect("promotions:preview", garage_id=garage.pk, promotion_id=promotion.pk)
        return redirect(promotion)
    count = promotion.recipients.count()
    messages.success(
        request,
        ngettext(
            "The message is on its way to %(count)s owner.",
            "The message is on its way to %(count)s owners.",
            count,
        )
        % {"count": count},
    )
    return redirect(promotion)


@garage_member_required(*SEND_ROLES)
@require_GET
def promotion_detail(request, garage, promotion_id):
    promotion = selectors.promotion_get(garage=garage, promotion_id=promotion_id)
    if promotion.is_draft:
        return redirect("promotions:preview", garage_id=garage.pk, promotion_id=promotion.pk)
    return render(request, "promotions/detail.html", {"garage": garage, "promotion": promotion})
