"""The one lock every use of PDFium in a process holds.

PDFium, the C library under pypdfium2, is not thread-safe: two threads inside it at once, even
on different documents, can crash the process or leave it unable to open any PDF afterwards
(pypdfium2's documentation: "not allowed to call pdfium functions simultaneously across
different threads"). ctypes lets go of the GIL during each call, so the GIL does not protect
us. A web server answers the review page's page images in parallel threads, and the worker
renders a report's charts while its exchange ticker reads a package's PDF: each use holds
`PDFIUM_LOCK` from opening its document to closing it, and keeps no PDFium object (page,
bitmap, text page) past that, so none is freed later by the garbage collector in another
thread. Work on what was read (OCR of a rendered page in tesseract) needs no lock.

Re-entrant, so a reader holding it may call another that takes it.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
