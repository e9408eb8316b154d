"""Who may see and edit what: the one place roles are turned into decisions.

Every object that carries private fields or can be edited has `scope()` returning
(ward id, khu phố id). Decisions are made per *domain*, because a role's reach differs:
a district leader reads every business but never an individual household, a land
officer works on imagery and parcels but not on business records.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Q, QuerySet
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied

from gisportal.models import Role


class Domain(StrEnum):
    FEATURES = "features"  # map features of a ward: businesses, waste points, POIs, unit contacts
    LAND = "land"  # imagery, parcels, permits, detection flags
    HOUSEHOLDS = "households"  # people: household heads and members


# role → (domains whose private fields it reads, domains it edits); scoped by ward unless global.
_SEE: dict[Role, set[Domain]] = {
    Role.CITIZEN: set(),
    Role.KHU_PHO_OFFICER: {Domain.FEATURES, Domain.HOUSEHOLDS},
    Role.WARD_OFFICER: {Domain.FEATURES, Domain.HOUSEHOLDS},
    Role.LAND_OFFICER: {Domain.LAND},
    Role.DISTRICT_LEADER: {Domain.FEATURES, Domain.LAND},
    Role.ADMIN: set(Domain),
}
_EDIT: dict[Role, set[Domain]] = {
    Role.CITIZEN: set(),
    Role.KHU_PHO_OFFICER: set(),
    Role.WARD_OFFICER: {Domain.FEATURES, Domain.HOUSEHOLDS},
    Role.LAND_OFFICER: {Domain.LAND},
    Role.DISTRICT_LEADER: set(),
    Role.ADMIN: set(Domain),
}
_GLOBAL = {Role.DISTRICT_LEADER, Role.ADMIN}


def role_of(user: Any) -> Role:
    """The user's role; anonymous visitors and users without a profile are citizens."""
    if user is None or not user.is_authenticated:
        return Role.CITIZEN
    if user.is_superuser:
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    return Role(profile.role) if profile else Role.CITIZEN


def ward_ids(user: Any) -> set[int] | None:
    """Wards the user serves; None means every ward (leaders, admins)."""
    role = role_of(user)
    if role in _GLOBAL:
        return None
    if role == Role.CITIZEN:
        return set()
    # Cached on the user object: one query per request, not per serialised row.
    cached = getattr(user, "_portal_ward_ids", None)
    if cached is None:
        profile = user.profile
        cached = set(profile.wards.values_list("id", flat=True))
        if profile.khu_pho_id:
            cached.add(profile.khu_pho.parent_id)
        user._portal_ward_ids = cached
    return cached


def _in_scope(user: Any, role: Role, ward_id: int | None, khu_pho_id: int | None) -> bool:
    if role in _GLOBAL:
        return True
    if role == Role.KHU_PHO_OFFICER:
        return khu_pho_id is not None and khu_pho_id == user.profile.khu_pho_id
    scope = ward_ids(user)
    return ward_id is not None and scope is not None and ward_id in scope


def can_see_private(user: Any, obj: Any, domain: Domain = Domain.FEATURES) -> bool:
    """Whether the user may read the private fields of `obj`."""
    role = role_of(user)
    if domain not in _SEE[role]:
        return False
    ward_id, khu_pho_id = obj.scope()
    return _in_scope(user, role, ward_id, khu_pho_id)


def can_edit(
    user: Any, ward_id: int | None, khu_pho_id: int | None = None, domain: Domain | None = Domain.FEATURES
) -> bool:
    """Whether the user may create or change a feature placed in this ward (and khu phố)."""
    role = role_of(user)
    if domain not in _EDIT[role]:
        return False
    return _in_scope(user, role, ward_id, khu_pho_id)


def sees_domain(user: Any, domain: Domain = Domain.FEATURES) -> bool:
    """Whether the user reads private fields of this domain anywhere (officers, leaders): lists, exports."""
    return domain in _SEE[role_of(user)]


def edits_domain(user: Any, domain: Domain | None = Domain.FEATURES) -> bool:
    """Whether the user edits anything of this domain at all (to show or hide editing tools); None: nobody does."""
    return domain in _EDIT[role_of(user)]


def require_edit(
    user: Any, ward_id: int | None, khu_pho_id: int | None = None, domain: Domain | None = Domain.FEATURES
) -> None:
    """Raise a 403 unless `can_edit`."""
    if not can_edit(user, ward_id, khu_pho_id, domain):
        raise PermissionDenied(
            "Bạn không có quyền sửa dữ liệu của phường này. / You may not edit features of this ward."
        )


def scope_private(
    qs: QuerySet, user: Any, domain: Domain, ward_field: str = "ward", khu_pho_field: str = "khu_pho"
) -> QuerySet:
    """Rows whose private fields the user may read (for lists that are private as a whole)."""
    role = role_of(user)
    if domain not in _SEE[role]:
        return qs.none()
    if role in _GLOBAL:
        return qs
    if role == Role.KHU_PHO_OFFICER:
        return qs.filter(**{f"{khu_pho_field}_id": user.profile.khu_pho_id})
    return qs.filter(Q(**{f"{ward_field}_id__in": ward_ids(user)}))


class ReadPublicWriteScoped(permissions.BasePermission):
    """Anyone reads (serialisers strip private fields); writes need edit rights on the object's ward."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        ward_id, khu_pho_id = obj.scope()
        return can_edit(request.user, ward_id, khu_pho_id, getattr(view, "domain", Domain.FEATURES))


# Type checkers see the mixin as a serializer (it is only ever mixed into one); at run time it stays a plain class
# so the serializer it is mixed into keeps its own method order.
if TYPE_CHECKING:
    from rest_framework.serializers import BaseSerializer as _SerializerBase
else:
    _SerializerBase = object


class PrivateFieldsMixin(_SerializerBase):
    """Serializer mixin: drops the model's `private_fields` unless the reader may see them.

    Models declare `private_fields` (and `private_domain`, FEATURES by default); the
    role × endpoint test reads the same declaration. Works for plain and GeoJSON
    (`properties`) representations alike.
    """

    def to_representation(self, instance):
        data = super().to_representation(instance)
        model = type(instance)
        private = getattr(model, "private_fields", ())
        if not private:
            return data
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not can_see_private(user, instance, getattr(model, "private_domain", Domain.FEATURES)):
            target = data.get("properties", data) if isinstance(data, dict) else data
            for name in private:
                target.pop(name, None)
        return data


# Each app's own role rules follow, one section per app (kept here so access is decided in one place).

# --- events (gisportal) ---

# Who follows live changes (server-sent events) of the wards they serve; citizens and land officers do not.
WATCHERS = frozenset({Role.KHU_PHO_OFFICER, Role.WARD_OFFICER, Role.DISTRICT_LEADER, Role.ADMIN})


def follows_changes(user: Any) -> bool:
    return role_of(user) in WATCHERS


# --- pages and menus (frontend) ---

# The leaders' figures (the home page that opens on them, the operations dashboard and its exports).
LEADERS = frozenset({Role.DISTRICT_LEADER, Role.ADMIN})
# The house-number standardisation report: ward officers for their wards, leaders and admins for all.
HOUSE_REPORT_READERS = frozenset({Role.WARD_OFFICER, Role.DISTRICT_LEADER, Role.ADMIN})


def reads_leader_figures(user: Any) -> bool:
    return role_of(user) in LEADERS


def opens_on_figures(user: Any) -> bool:
    """A district leader's home is their wards in figures, the map one link away; everyone else's is the map."""
    return role_of(user) == Role.DISTRICT_LEADER


def reads_house_report(user: Any) -> bool:
    return role_of(user) in HOUSE_REPORT_READERS


def khu_pho_bound(user: Any) -> int | None:
    """The one khu phố a khu phố officer serves (their filters offer only it); None for every other role."""
    if role_of(user) != Role.KHU_PHO_OFFICER:
        return None
    return user.profile.khu_pho_id


# --- accounts (gisportal) ---


def may_hold_api_tokens(user: Any) -> bool:
    """Personal API tokens (desktop clients: QGIS, GDAL) are for officers, leaders and admins, not citizens."""
    return bool(getattr(user, "is_authenticated", False)) and role_of(user) != Role.CITIZEN


# --- GIS file imports (layers/files) ---


def handles_import_job(user: Any, job: Any) -> bool:
    """An import job is its uploader's to read, commit or cancel; administrators may handle anyone's."""
    return job.user_id == getattr(user, "pk", None) or role_of(user) == Role.ADMIN


# --- the audit log (gisportal/audit.py) ---


def reads_audit(user: Any) -> bool:
    """Administrators read the audit log; nobody writes it but the portal itself."""
    return role_of(user) == Role.ADMIN


# --- households ---


class CanImport(permissions.BasePermission):
    """House-number imports: ward officers (for their wards) and admins upload; leaders and officers read the
    jobs of their wards, and the standardisation report."""

    message = "Bạn không có quyền nhập số nhà. / You may not import house numbers."

    def has_permission(self, request, view) -> bool:
        role = role_of(request.user)
        if request.method == "POST":
            return role in (Role.WARD_OFFICER, Role.ADMIN)
        return role in (Role.WARD_OFFICER, Role.DISTRICT_LEADER, Role.ADMIN)


class ReadsHouseholds(permissions.BasePermission):
    """Roles that read households one by one; leaders are told where their counts are."""

    def has_permission(self, request, view) -> bool:
        role = role_of(request.user)
        if role == Role.DISTRICT_LEADER:
            raise PermissionDenied(
                "Lãnh đạo chỉ xem số liệu tổng hợp: /api/v1/households/stats."
                " / Leaders see counts only: /api/v1/households/stats."
            )
        return role in (Role.WARD_OFFICER, Role.KHU_PHO_OFFICER, Role.ADMIN)


class CountsHouseholds(permissions.BasePermission):
    """Roles that read household counts: the readers of households, and leaders."""

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) in (Role.WARD_OFFICER, Role.KHU_PHO_OFFICER, Role.DISTRICT_LEADER, Role.ADMIN)


def household_count_scope(user: Any) -> tuple[set[int] | None, int | None]:
    """(wards, khu phố) whose households a reader of counts may count: None for no limit."""
    khu_pho = user.profile.khu_pho_id if role_of(user) == Role.KHU_PHO_OFFICER else None
    return ward_ids(user), khu_pho


def hides_small_counts(user: Any) -> bool:
    """Leaders' tables must not single a family out; officers know these families by name already."""
    return role_of(user) == Role.DISTRICT_LEADER


# --- businesses ---


class CanSync(permissions.BasePermission):
    """Admins, and accounts given `businesses.add_syncrun` (the registration software's service account)."""

    message = "Bạn không có quyền đồng bộ hộ kinh doanh. / You may not sync businesses."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return role_of(user) == Role.ADMIN or bool(user.is_authenticated and user.has_perm("businesses.add_syncrun"))


class CanReview(permissions.BasePermission):
    """Leaders, admins and ward officers (these for their own wards, through `scope_private`)."""

    message = "Bạn không có quyền xem kết quả đồng bộ. / You may not review sync results."
    roles = {Role.ADMIN, Role.DISTRICT_LEADER, Role.WARD_OFFICER}

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) in self.roles


def may_export(user: Any) -> bool:
    """Those who read businesses' private fields (officers, leaders, admins) export; citizens do not."""
    return bool(user and user.is_authenticated) and sees_domain(user, Domain.FEATURES)


# --- imagery ---


def reads_land(user: Any) -> bool:
    """Whether the user reads land records (imagery, parcels, permits) at all: citizens and ward officers get
    nothing of them, pages included (`scope_private(..., Domain.LAND)` answers `none()` for them)."""
    return sees_domain(user, Domain.LAND)


class ReadsLand(permissions.BasePermission):
    """Land officers, leaders and admins (each record still narrowed by `scope_private`)."""

    message = "Chỉ cán bộ địa chính và lãnh đạo. / Land officers and leaders only."

    def has_permission(self, request, view) -> bool:
        return reads_land(request.user)


# --- layers a ward defines itself (layers/themes) ---

# The Django permission that makes a ward officer (for their wards) or a district leader (for any unit) an
# administrator of the ward's own layers; admins define anywhere without it.
DEFINE_LAYERS = "layers.add_themelayer"


def may_define_layers(user: Any, owner_id: int | None = None) -> bool:
    """Whether the user defines (and changes) layers owned by this ward or district (any, when None)."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if not (user and user.is_authenticated and user.has_perm(DEFINE_LAYERS)):
        return False
    if role == Role.DISTRICT_LEADER:
        return True
    if role == Role.WARD_OFFICER:
        return owner_id is None or owner_id in (ward_ids(user) or set())
    return False


def can_edit_theme(
    user: Any, editor_roles: list[str], edit_scope: str, ward_id: int | None, khu_pho_id: int | None
) -> bool:
    """Whether the user edits a feature of a ward-defined layer placed here: admins always; a role the layer
    names, in its wards (khu phố officers: the ward of their khu phố), or only in their own khu phố when the
    layer is edited by khu phố. Ward and land officers have no khu phố: they edit by ward either way."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if str(role) not in editor_roles or ward_id is None:
        return False
    if role == Role.KHU_PHO_OFFICER and edit_scope == "khu_pho":
        return khu_pho_id is not None and khu_pho_id == user.profile.khu_pho_id
    return ward_id in (ward_ids(user) or set())


def edits_theme(user: Any, editor_roles: list[str]) -> bool:
    """Whether the user edits a ward-defined layer anywhere (to show its editing tools)."""
    role = role_of(user)
    return role == Role.ADMIN or str(role) in editor_roles


def reads_theme_private(user: Any, obj: Any, editor_roles: list[str], edit_scope: str) -> bool:
    """A feature's private values: the features domain's readers in their area, and its own editors."""
    return can_see_private(user, obj, Domain.FEATURES) or can_edit_theme(user, editor_roles, edit_scope, *obj.scope())


# --- citizen reports (layers.reports) ---

# Who works a report through (triage, assign, answer, resolve, close, reopen, merge): the officers of its ward, the
# khu phố officer of its khu phố, admins. Leaders read the queues and the counts of every ward; nobody else.
REPORT_HANDLERS = frozenset({Role.KHU_PHO_OFFICER, Role.WARD_OFFICER, Role.ADMIN})
REPORT_READERS = REPORT_HANDLERS | {Role.DISTRICT_LEADER}


def reads_reports(user: Any) -> bool:
    """Whether the user has a report queue at all (officers, leaders, admins)."""
    return role_of(user) in REPORT_READERS


def can_handle_report(user: Any, report: Any) -> bool:
    """Whether the user may take a step on this report (its ward's officers, its khu phố's officer, admins)."""
    role = role_of(user)
    if role not in REPORT_HANDLERS:
        return False
    ward_id, khu_pho_id = report.scope()
    return _in_scope(user, role, ward_id, khu_pho_id)


def can_read_report(user: Any, report: Any) -> bool:
    """Whether the user reads the officers' side of this report (its internal note): handlers, and leaders."""
    return role_of(user) == Role.DISTRICT_LEADER or can_handle_report(user, report)


def sees_reporter(user: Any, report: Any) -> bool:
    """The citizen's contact is for those who handle the report, not for leaders' lists."""
    return can_handle_report(user, report)


_QS = TypeVar("_QS", bound=QuerySet)  # a manager's own queryset class keeps its methods through the scope


def scope_reports(qs: _QS, user: Any) -> _QS:
    """The reports in the user's queue."""
    role = role_of(user)
    if role not in REPORT_READERS:
        return qs.none()
    if role in _GLOBAL:
        return qs
    if role == Role.KHU_PHO_OFFICER:
        return qs.filter(khu_pho_id=user.profile.khu_pho_id)
    return qs.filter(ward_id__in=ward_ids(user))


def report_assignees(user_model: Any, report: Any) -> QuerySet:
    """Colleagues a report may be assigned to: ward officers of its ward, the khu phố officer of its khu phố."""
    return (
        user_model.objects.filter(is_active=True)
        .filter(
            Q(profile__role=Role.WARD_OFFICER, profile__wards=report.ward_id)
            | Q(profile__role=Role.KHU_PHO_OFFICER, profile__khu_pho_id=report.khu_pho_id or -1)
        )
        .distinct()
    )


# --- the leaders' dashboard (frontend) ---


def defines_levels(user: Any) -> bool:
    """A leader sets the levels wards are classified by; officers, whose wards are classified, do not."""
    return role_of(user) in LEADERS
