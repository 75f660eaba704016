-- facts_links: the UTC days of the survey responses whose attribution
-- the contacts of a flush can change: responses naming a contact id or
-- root the flush holds (external table link_ids), or naming another leg
-- of such a root.
SELECT DISTINCT toDate(responded_at)
FROM surveys
WHERE contact_id {{.In}} (SELECT id FROM link_ids)
   OR contact_id {{.In}} (
       SELECT contact_id FROM contacts
       WHERE initial_contact_id {{.In}} (SELECT id FROM link_ids))
