{{/* The annotation of Customer Service Week: the Monday on or after
October 1 is toMonday(October 7). */}}
-- Customer Service Week: the first full Monday-Friday week of October of each year in the range.
SELECT
    toDateTime(monday, 'UTC') AS time,
    toDateTime(addDays(monday, 5), 'UTC') AS timeEnd,
    concat('Customer Service Week ', toString(toYear(monday))) AS text,
    'customer-service-week' AS tags
FROM
(
    SELECT toMonday(toDate(concat(toString(toYear($__fromTime) + offset), '-10-07'))) AS monday
    FROM system.one
    ARRAY JOIN range(toUInt64(toYear($__toTime) - toYear($__fromTime) + 1)) AS offset
)
WHERE toDateTime(monday, 'UTC') <= $__toTime AND toDateTime(addDays(monday, 5), 'UTC') >= $__fromTime
ORDER BY time
