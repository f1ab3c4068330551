"""For someone who lost the phone with their authenticator app, when nobody who can use the
admin (where sales ops remove a device) can help: the last administrator."""

from django.core.management.base import BaseCommand, CommandError

from salesop.accounts.models import User
from salesop.accounts.services import totp_remove


class Command(BaseCommand):
    help = (
        "Turns off a user's two-factor authentication (removes their authenticator app and "
        "recovery codes) so they can log in with their password and set it up again."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        removed = totp_remove(user=user)
        self.stdout.write(
            f"Removed {removed} authenticator(s) and the recovery codes of {username}: they log "
            "in with their password "
            "and set one up again under Profile, Two-factor authentication."
        )
