"""The portal (Trang TTĐT): news items about a campaign's results and their Atom feed."""
