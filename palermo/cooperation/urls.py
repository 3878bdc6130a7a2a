from django.urls import URLPattern

app_name = "cooperation"

urlpatterns: list[URLPattern] = []
