-- sends_read: the latest status of each recipient's digest of one week.
SELECT recipient, status
FROM digest_sends FINAL
WHERE week = @week AND audience = @audience
