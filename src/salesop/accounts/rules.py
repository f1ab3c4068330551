from salesop.accounts.models import Team


def team_move_creates_cycle(team: Team, parent: Team | None) -> bool:
    """True when `parent` is the team itself or inside its subtree."""
    return parent is not None and team.pk is not None and parent.path.startswith(team.path)
