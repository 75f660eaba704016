-- survey_facts: the survey responses answered in the period from (inclusive)
-- to (exclusive), one row each, attributed this way:
-- to the last agent leg of the survey's contact and that leg's team. The
-- legs of a contact share a root (initial_contact_id, or contact_id for a
-- first leg); the last agent leg is the root's leg with an agent and the
-- latest ended_at. The survey names any leg of the contact.
--
-- The attribution is made here, at read time, so it holds whichever of
-- the survey and the contact arrived first, and follows later corrections
-- of either. Unlinked surveys (no contact_id, or a contact not loaded)
-- keep the agent the survey tool gave. A missing team or site comes from
-- the roster entry of the agent valid when the survey was answered (or
-- the agent's first entry). linked = 1 when the contact was found.
--
-- Shape: one JOIN per SELECT level (ClickHouse 18.16), every subquery
-- aliased (ClickHouse 26).
SELECT
    source,
    response_id,
    responded_at,
    a_agent_id AS agent_id,
    if(a_team != '', a_team, argMax(r_team, (r_from <= responded_at, if(r_from <= responded_at, toInt64(r_from), -toInt64(r_from))))) AS team,
    if(a_site != '', a_site, argMax(r_site, (r_from <= responded_at, if(r_from <= responded_at, toInt64(r_from), -toInt64(r_from))))) AS site,
    a_queue AS queue,
    nps,
    csat,
    ces,
    comment,
    contact_id,
    linked
FROM
(
    SELECT
        source, response_id, responded_at, nps, csat, ces, comment, contact_id, linked,
        if(l_agent_id != '', l_agent_id, s_agent_id) AS a_agent_id,
        if(l_agent_id != '', l_team, '') AS a_team,
        if(l_agent_id != '', l_site, '') AS a_site,
        if(l_queue != '', l_queue, m_queue) AS a_queue
    FROM
    (
        SELECT *
        FROM
        (
            SELECT
                source, response_id, responded_at, contact_id, agent_id AS s_agent_id,
                nps, csat, ces, comment
            FROM surveys FINAL
            WHERE responded_at >= @from AND responded_at < @to
        ) AS s
        ANY LEFT JOIN
        (
            SELECT
                contact_id,
                if(initial_contact_id = '', contact_id, initial_contact_id) AS root,
                queue AS m_queue,
                toUInt8(1) AS linked
            FROM contacts FINAL
            WHERE contact_id IN (
                SELECT contact_id FROM surveys
                WHERE responded_at >= @from AND responded_at < @to AND contact_id != '')
        ) AS m USING contact_id
    ) AS sm
    ANY LEFT JOIN
    (
        SELECT
            root,
            argMax(agent_id, (ended_at, contact_id)) AS l_agent_id,
            argMax(team, (ended_at, contact_id)) AS l_team,
            argMax(site, (ended_at, contact_id)) AS l_site,
            argMax(queue, (ended_at, contact_id)) AS l_queue
        FROM
        (
            SELECT
                if(initial_contact_id = '', contact_id, initial_contact_id) AS root,
                agent_id, team, site, queue, ended_at, contact_id
            FROM contacts FINAL
            WHERE agent_id != ''
              AND if(initial_contact_id = '', contact_id, initial_contact_id) IN (
                  SELECT if(initial_contact_id = '', contact_id, initial_contact_id)
                  FROM contacts
                  WHERE contact_id IN (
                      SELECT contact_id FROM surveys
                      WHERE responded_at >= @from AND responded_at < @to AND contact_id != ''))
        )
        GROUP BY root
    ) AS l USING root
) AS a
ALL LEFT JOIN
(
    SELECT agent_id AS a_agent_id, team AS r_team, site AS r_site, valid_from AS r_from
    FROM agents FINAL
) AS r USING a_agent_id
GROUP BY
    source, response_id, responded_at, a_agent_id, a_team, a_site, a_queue,
    nps, csat, ces, comment, contact_id, linked
ORDER BY responded_at, source, response_id
