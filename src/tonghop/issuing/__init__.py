"""Issuing a compiled report: signatures (key file or token), the outgoing number, edXML out."""
