-- A response keeps the form as the client saw it, so editing a form later (reordering options,
-- removing questions) cannot change what earlier answers mean.
ALTER TABLE form_responses ADD COLUMN spec TEXT;
