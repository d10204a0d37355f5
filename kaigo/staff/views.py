"""Account screens: staff list and detail with role history, grant and revoke (section chief),
requests to create or disable an account and the chief's decision on them,
password reset, lockout clearing and second-factor reset (section chief); the staff member's own
password change and second-factor pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kaigo.errors import ApplicationError
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff import otp, selectors, services
from kaigo.staff.forms import (
    AccountCreateRequestForm,
    AccountDecisionForm,
    AccountDisableRequestForm,
    PasswordChangeForm,
    RoleGrantForm,
    RoleRevokeForm,
    SecondFactorTokenForm,
)
from kaigo.staff.lockout import staff_is_locked_out, staff_lockout_clear
from kaigo.staff.roles import has_permission

WRONG_CODE = "確認コードが正しくありません。認証アプリに表示されている最新のコードを入力してください。"
THROTTLED = "確認コードの入力に続けて失敗したため、しばらく待ってから入力してください。"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


# --- accounts (section chief and auditor) ---------------------------------------------------


@permission_required("staff.view")
def staff_list(request):
    return render(request, "staff/staff_list.html", {
        "staff_list": selectors.staff_list(),
        "can_manage": has_permission(request.user, "staff.manage"),
    })


@permission_required("staff.view")
def staff_detail(request, staff_id: int):
    staff = selectors.staff_get(staff_id=staff_id)
    history = selectors.staff_role_history(staff=staff)
    return render(request, "staff/staff_detail.html", {
        "staff": staff,
        "account_requests": selectors.staff_account_requests(staff=staff),
        "history": [(grant, grant.status_label()) for grant in history],
        "current": [grant for grant in history if grant.status_label().startswith("有効")],
        "locked_out": staff_is_locked_out(staff),
        "can_manage": has_permission(request.user, "staff.manage") and staff.pk != request.user.pk,
    })


@permission_required("staff.manage")
def role_grant(request, staff_id: int):
    staff = selectors.staff_get(staff_id=staff_id)
    form = RoleGrantForm(request.POST or None, label_suffix="")
    grant = request.method == "POST" and form_run(form, lambda data: services.role_grant(
        staff=staff, role=data["role"], actor=request.user, reason=data["reason"],
        effective_date=data["effective_date"]))
    if grant:
        messages.success(request, f"役割「{grant.get_role_display()}」を付与しました（{grant.status_label()}）。")
        return redirect("staff:detail", staff_id=staff.pk)
    return render(request, "staff/role_grant.html", {"staff": staff, "form": form})


@permission_required("staff.manage")
def role_revoke(request, grant_id: int):
    grant = selectors.role_grant_get(grant_id=grant_id)
    form = RoleRevokeForm(request.POST or None, label_suffix="")
    revoked = request.method == "POST" and form_run(form, lambda data: services.role_revoke(
        grant=grant, actor=request.user, reason=data["reason"], effective_date=data["effective_date"]))
    if revoked:
        messages.success(request, f"役割「{revoked.get_role_display()}」を取り消しました（{revoked.status_label()}）。")
        return redirect("staff:detail", staff_id=revoked.staff_id)
    return render(request, "staff/role_revoke.html", {"grant": grant, "staff": grant.staff, "form": form})


@never_cache
@require_POST
@permission_required("staff.manage")
def password_reset(request, staff_id: int):
    """Issue a temporary password and show it once, in this response only (never stored or logged)."""
    staff = selectors.staff_get(staff_id=staff_id)
    try:
        password = services.staff_password_reset(staff=staff, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("staff:detail", staff_id=staff.pk)
    return render(request, "staff/password_reset_done.html", {"staff": staff, "temporary_password": password})


@require_POST
@permission_required("staff.manage")
def lockout_clear(request, staff_id: int):
    staff = selectors.staff_get(staff_id=staff_id)
    try:
        staff_lockout_clear(staff=staff, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "ログインのロックを解除しました。")
    return redirect("staff:detail", staff_id=staff.pk)


@require_POST
@permission_required("staff.manage")
def second_factor_reset(request, staff_id: int):
    staff = selectors.staff_get(staff_id=staff_id)
    try:
        otp.second_factor_reset(staff=staff, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "二要素認証の設定を削除しました。次回ログイン時に再設定が必要です。")
    return redirect("staff:detail", staff_id=staff.pk)


# --- account requests (職員管理の申請) and the chief's decision --------------------------------------


@never_cache
@permission_required("staff.request")
def account_requests(request):
    return render(request, "staff/account_requests.html", {
        "requests": selectors.account_requests(),
        "can_decide": has_permission(request.user, "staff.manage"),
    })


@never_cache
@permission_required("staff.request")
def account_request_new(request, kind: str):
    form_class = AccountCreateRequestForm if kind == "create" else AccountDisableRequestForm
    form = form_class(request.POST if request.method == "POST" else None, label_suffix="")

    def ask(data):
        if kind == "create":
            return services.account_request_create(
                actor=request.user, kind="create", reason=data["reason"], username=data["username"],
                display_name=data["display_name"], organisation=data["organisation"], role=data["role"])
        target = selectors.staff_by_number(services.staff_number_normalise(data["username"]))
        return services.account_request_create(actor=request.user, kind="disable", reason=data["reason"],
                                               staff=target)

    created = request.method == "POST" and form_run(form, ask)
    if created:
        messages.success(request, f"{created.get_kind_display()}を申請しました。所管課長の決定を待ってください。")
        return redirect("staff:requests")
    return render(request, "staff/account_request_new.html", {"form": form, "kind": kind},
                  status=400 if form.errors else 200)


@never_cache
@permission_required("staff.manage")
def account_request_decide(request, request_id: int):
    account_request = selectors.account_request_get(request_id=request_id)
    form = AccountDecisionForm(request.POST if request.method == "POST" else None, label_suffix="")
    decided = request.method == "POST" and form_run(form, lambda data: services.account_request_decide(
        actor=request.user, request_id=request_id, approve=data["decision"] == "approve", reason=data["reason"]))
    if decided and decided.temporary_password:
        # the new account's temporary password, shown once in this response (never stored or logged)
        return render(request, "staff/password_reset_done.html", {
            "staff": decided.request.staff, "temporary_password": decided.temporary_password, "created": True})
    if decided:
        messages.success(request, f"申請を{decided.request.get_status_display()}しました。")
        return redirect("staff:requests")
    return render(request, "staff/account_request_decide.html", {
        "account_request": account_request, "form": form,
        "own": request.user.pk in (account_request.requested_by_id, account_request.staff_id),
    }, status=400 if form.errors else 200)


# --- the staff member's own sign-in pages -------------------------------------------------------


@never_cache
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None, label_suffix="")
    if request.method == "POST" and form.is_valid():
        services.staff_password_change(staff=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "パスワードを変更しました。")
        return redirect(_next_url(request))
    return render(request, "staff/password_change.html", {
        "form": form, "forced": request.user.must_change_password, "next": request.GET.get("next", ""),
    })


@never_cache
def otp_verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    device = otp.confirmed_device(request.user)
    if device is None:  # reset by a chief meanwhile: the middleware decides what comes next
        request.session[otp.HAS_DEVICE_SESSION_KEY] = False
        return redirect(_next_url(request))
    form = SecondFactorTokenForm(request.POST or None, label_suffix="")
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error(None, THROTTLED)
        elif otp.second_factor_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        else:
            form.add_error(None, WRONG_CODE)
    return render(request, "staff/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


@never_cache
def otp_setup(request):
    if otp.confirmed_device(request.user) is not None:
        if not request.user.is_verified():
            return redirect("staff:otp_verify")
        return render(request, "staff/otp_setup.html", {"enrolled": True})
    device = otp.pending_device(request.user)
    form = SecondFactorTokenForm(request.POST or None, label_suffix="")
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error(None, THROTTLED)
        elif otp.second_factor_enrol(request=request, token=form.cleaned_data["token"]):
            messages.success(request, "二要素認証を設定しました。次回からログイン時に確認コードを入力します。")
            return redirect(_next_url(request))
        else:
            form.add_error(None, WRONG_CODE)
    return render(request, "staff/otp_setup.html", {
        "enrolled": False,
        "required": otp.second_factor_required_by_role(request.user),
        "qr_code": otp.qr_code_data_uri(device),
        "secret": otp.base32_secret(device),
        "form": form,
        "next": request.GET.get("next", ""),
    })
