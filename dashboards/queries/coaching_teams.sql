{{/* The values of the ${team} variable. */}}
SELECT DISTINCT key FROM scorecards WHERE level = 'team' ORDER BY key
