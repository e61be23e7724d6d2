from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.data import load_demo


class Command(BaseCommand):
    help = "Load the demo programmes, partners and accounts (idempotent; refused in production)."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo data has known passwords and is never loaded in production.")
        credentials = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("Demo accounts:")
        for account in credentials:
            self.stdout.write(f"  {account.role:<10} {account.email}  /  {account.password}")
        self.stdout.write("Ministry staff log in at /admin/.")
        if settings.TWO_FACTOR_REQUIRED:
            self.stdout.write(
                "Staff and partner users set up an authenticator app at their first log-in "
                "(TWO_FACTOR_REQUIRED=false turns the second factor off locally)."
            )
