-- facts_marks: the newest dirty mark of each UTC day and the current
-- generation (newest clean mark) of each business day under @config,
-- between @from and @to (dates, both included).
SELECT kind, day, max(version)
FROM facts_marks
WHERE (kind = 'dirty' OR (kind = 'clean' AND config = @config))
  AND day >= toDate(@from) AND day <= toDate(@to)
GROUP BY kind, day
