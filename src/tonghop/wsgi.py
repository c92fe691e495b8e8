import os

from django.core.wsgi import get_wsgi_application

from tonghop import datadir

# What the server writes (database, uploads, generated files) is its own account's alone, also
# when a process manager starts it with a looser umask (tonghop.datadir).
datadir.private_umask()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
application = get_wsgi_application()
