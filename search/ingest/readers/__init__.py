"""One reader per file format, each turning a file into an :class:`~search.ingest.extracted.Extracted`.

- :mod:`~search.ingest.readers.text`: .txt, .md (UTF-8, UTF-16, 8-bit Vietnamese);
- :mod:`~search.ingest.readers.docx`: .docx;
- :mod:`~search.ingest.readers.pdf`: .pdf, scanned pages through OCR;
- :mod:`~search.ingest.readers.html`: .html, .htm;
- :mod:`~search.ingest.readers.office`: .doc, .odt, .rtf;
- :mod:`~search.ingest.readers.ocr`: page images and scanned PDF pages (Tesseract).

Each reader is ``(path, limits) -> Extracted`` and raises
:class:`~search.errors.ReadError` for a file it cannot read.
:func:`search.ingest.parse.read_file` picks the reader by suffix and finishes its text.
"""
