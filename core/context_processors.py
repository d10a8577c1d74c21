from garage.selectors import membership_list_for_user


def navigation(request):
    """What the navigation may link to: the garages this person works at (lazily, one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_memberships": ()}
    return {"nav_memberships": membership_list_for_user(user=user)}
