import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_support_group_has_exactly_the_support_permissions():
    group = Group.objects.get(name="support")

    permissions = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert permissions == {
        ("accounts", "view_user"),
        ("accounts", "change_user"),
        ("garage", "view_garage"),
        ("garage", "change_garage"),
        ("garage", "view_membership"),
        ("garage", "add_membership"),
        ("garage", "change_membership"),
        ("garage", "delete_membership"),
        ("notifications", "view_notification"),
        ("notifications", "resend_notification"),
        ("autopaspoort", "view_passport"),
        ("autopaspoort", "change_passport"),
        ("autopaspoort", "view_statuscheck"),
        ("autopaspoort", "view_statuscheckitem"),
        ("autopaspoort", "view_historyentry"),
        ("autopaspoort", "change_historyentry"),
        ("transfers", "view_transfer"),
        ("transfers", "correct_transfer_email"),
        ("transfers", "view_emailcorrection"),
        ("fleet", "view_fleetaccount"),
        ("fleet", "add_fleetaccount"),
        ("fleet", "change_fleetaccount"),
        ("fleet", "view_fleetmembership"),
        ("fleet", "add_fleetmembership"),
        ("fleet", "change_fleetmembership"),
        ("fleet", "delete_fleetmembership"),
        ("fleet", "view_fleetlink"),
        ("reminders", "view_remindersent"),
        ("reminders", "view_emailoptout"),
        ("reminders", "delete_emailoptout"),
        ("promotions", "view_promotion"),
        ("promotions", "view_promotionrecipient"),
        ("appointments", "view_appointment"),
        ("appointments", "view_appointmentslot"),
        ("appointments", "view_garagelightadvice"),
        ("appointments", "change_garagelightadvice"),
        ("appointments", "delete_garagelightadvice"),
        ("insights", "view_monthlyusage"),
    }
