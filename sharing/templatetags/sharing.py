"""`{% share_panel passport %}`: the share form and the open links on the owner's car page and
the garage's profile, without those pages' views knowing about share links."""

from django import template
from django.urls import reverse

from sharing.forms import ShareLinkForm
from sharing.roles import SHARE
from sharing.selectors import share_links_open
from sharing.services import share_role

register = template.Library()


@register.inclusion_tag("sharing/_share_panel.html", takes_context=True)
def share_panel(context, passport, garage=None):
    request = context["request"]
    membership = getattr(request, "membership", None)
    if garage is not None and membership is not None:  # the garage page knows the role already
        allowed = passport.is_stock and membership.role in SHARE
    else:
        allowed = share_role(passport=passport, user=request.user) is not None
    if not allowed:
        return {"shown": False}
    if garage is not None:
        kwargs = {"garage_id": garage.pk, "plate": passport.plate}
        create_url = reverse("sharing:garage_create", kwargs=kwargs)
        revoke_name = "sharing:garage_revoke"
    else:
        kwargs = {"plate": passport.plate}
        create_url = reverse("sharing:owner_create", kwargs=kwargs)
        revoke_name = "sharing:owner_revoke"
    links = share_links_open(passport=passport)
    for link in links:
        link.url = request.build_absolute_uri(reverse("sharing:page", args=[link.token]))
        link.revoke_url = reverse(revoke_name, kwargs={**kwargs, "link_id": link.pk})
    return {
        "shown": True,
        "form": ShareLinkForm(),
        "create_url": create_url,
        "links": links,
        "csrf_token": context.get("csrf_token"),
    }
