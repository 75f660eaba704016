-- facts_collect: deletes the generations of {{.Table}} older than
-- @before that are no longer current (a newer generation of their day is
-- complete), as a mutation that ClickHouse runs in the background. A
-- generation still being written is newer than @before, or becomes
-- current only if it is the newest: neither is touched.
ALTER TABLE {{.Table}} DELETE
WHERE gen < @before
  AND (config, day, gen) NOT IN (
      SELECT config, day, max(version) FROM facts_marks WHERE kind = 'clean' GROUP BY config, day)
