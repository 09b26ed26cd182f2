-- 025 (both backends, lockstep): the payer page a payer trusts
-- (dialect/pages). A shop's branding on it: its logo (an https URL, ''
-- none) and colour ('#rrggbb', '' the default). An account requisite's
-- bank identifiers, which a GOST R 56042-2014 (ST00012) payment QR code
-- needs beside the 20-digit account: the bank's BIC (9 digits) and its
-- correspondent account (20 digits); '' none (then the page shows no such
-- QR code).
ALTER TABLE shops ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';
ALTER TABLE shops ADD COLUMN brand_color TEXT NOT NULL DEFAULT '';
ALTER TABLE requisites ADD COLUMN bic TEXT NOT NULL DEFAULT '';
ALTER TABLE requisites ADD COLUMN corr_account TEXT NOT NULL DEFAULT '';
