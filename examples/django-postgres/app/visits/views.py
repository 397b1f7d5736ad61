from django.db import connection
from django.http import HttpResponse

from .models import Visit


def index(request):
    """Write a row, read the count back: the page shows Postgres answering through the name `db`."""
    Visit.objects.create()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    return HttpResponse(f"Hello from Django on Skiff: visit {Visit.objects.count()} ({version})\n",
                        content_type="text/plain")
