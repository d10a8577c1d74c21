# Dutch formats that differ from Django's (the rest come from django/conf/locale/nl).
# Dates in tables line up: "05-01-2027", not "5-1-2027".
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
