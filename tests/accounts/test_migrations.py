import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_support_group_has_exactly_the_support_permissions():
    group = Group.objects.get(name="support")

    permissions = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert permissions == {
        ("accounts", "view_user"),
        ("accounts", "change_user"),
        ("accounts", "view_privacyevent"),
        ("legal", "view_legalpage"),
        ("garage", "view_garage"),
        ("garage", "change_garage"),
        ("garage", "view_membership"),
        ("garage", "view_apitoken"),
        ("garage", "revoke_apitoken"),
        ("notifications", "view_notification"),
        ("notifications", "resend_notification"),
        ("notifications", "view_emailoptout"),
        ("notifications", "delete_emailoptout"),
        ("autopaspoort", "view_passport"),
        ("autopaspoort", "change_passport"),
        ("autopaspoort", "view_statuscheck"),
        ("autopaspoort", "view_statuscheckitem"),
        ("autopaspoort", "view_historyentry"),
        ("autopaspoort", "change_historyentry"),
        ("autopaspoort", "view_recall"),
        ("autopaspoort", "view_passportrecall"),
        ("autopaspoort", "view_apkdefect"),
        ("transfers", "view_transfer"),
        ("transfers", "correct_transfer_email"),
        ("transfers", "transfer_as_support"),
        ("transfers", "view_emailcorrection"),
        ("fleet", "view_fleetaccount"),
        ("fleet", "add_fleetaccount"),
        ("fleet", "change_fleetaccount"),
        ("fleet", "view_fleetmembership"),
        ("fleet", "view_fleetlink"),
        ("fleet", "unlink_fleetlink"),
        ("photos", "view_checkphoto"),
        ("photos", "delete_checkphoto_with_reason"),
        ("reminders", "view_remindersent"),
        ("promotions", "view_promotion"),
        ("promotions", "view_promotionrecipient"),
        ("appointments", "view_appointment"),
        ("appointments", "view_appointmentslot"),
        ("appointments", "view_garagelightadvice"),
        ("appointments", "change_garagelightadvice"),
        ("appointments", "delete_garagelightadvice"),
        ("insights", "view_monthlyusage"),
        ("billing", "view_tariff"),
        ("billing", "add_tariff"),
        ("billing", "change_tariff"),
        ("billing", "view_tarifftier"),
        ("billing", "add_tarifftier"),
        ("billing", "change_tarifftier"),
        ("billing", "delete_tarifftier"),
        ("billing", "view_statement"),
        ("billing", "view_statementline"),
        ("billing", "view_invoice"),
        ("billing", "issue_credit_note"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
    }
