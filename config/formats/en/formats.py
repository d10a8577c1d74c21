# English formats that differ from Django's (the rest come from django/conf/locale/en): the
# day before the month, as in the Netherlands (and Britain), never the American order.
# Long form on pages and in emails: "4 January 2027" (Dutch: "4 januari 2027").
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
# Dates in tables line up and cannot be read the American way: "05 Jan 2027".
SHORT_DATE_FORMAT = "d M Y"
SHORT_DATETIME_FORMAT = "d M Y H:i"
