"""URLs of the home page, login and logout, the user's API tokens, invitations, the pages of
long work (jobs) and the administration pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from palermo.web import admin_views, jobs, views

app_name = "web"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", views.TokenListView.as_view(), name="tokens"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        views.TokenRevokeView.as_view(),
        name="token_revoke",
    ),
    path(
        "invitation/<uidb64>/<token>/",
        admin_views.InvitationView.as_view(),
        name="invitation",
    ),
    path("jobs/<uuid:job_id>/", jobs.JobView.as_view(), name="job"),
    path("jobs/<uuid:job_id>/progress/", jobs.JobProgressView.as_view(), name="job_progress"),
    path("administration/", admin_views.UserListView.as_view(), name="admin_users"),
    path("administration/users/new/", admin_views.UserNewView.as_view(), name="admin_user_new"),
    path(
        "administration/users/<int:user_id>/<slug:action>/",
        admin_views.UserActionView.as_view(),
        name="admin_user_action",
    ),
    path(
        "administration/organisations/",
        admin_views.OrganisationListView.as_view(),
        name="admin_organisations",
    ),
    path("administration/tokens/", admin_views.TokenAdminView.as_view(), name="admin_tokens"),
    path("administration/audit/", admin_views.AuditView.as_view(), name="admin_audit"),
]
