"""URLs of the home page, login and logout, and the user's API tokens."""

from django.contrib.auth import views as auth_views
from django.urls import path

from palermo.web import views

app_name = "web"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", views.TokenListView.as_view(), name="tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        views.TokenRevokeView.as_view(),
        name="token_revoke",
    ),
]
