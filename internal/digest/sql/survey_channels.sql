-- survey_channels: the channel of the contact each survey answered in
-- [from, to) was about; surveys without a loaded contact are left out.
-- Contacts are read from 30 days before the period (a survey follows its
-- contact within days).
SELECT s.response_id AS response_id, c.channel AS channel
FROM
(
    SELECT response_id, contact_id
    FROM surveys FINAL
    WHERE responded_at >= @from AND responded_at < @to AND contact_id != ''
) AS s
ALL INNER JOIN
(
    SELECT contact_id, any(channel) AS channel
    FROM contacts FINAL
    WHERE started_at >= @cfrom AND started_at < @to
    GROUP BY contact_id
) AS c USING (contact_id)
