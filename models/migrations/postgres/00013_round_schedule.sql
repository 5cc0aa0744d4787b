-- Rounds the plan's workflow opens on its own (the plan's round_schedule
-- setting): schedule_key names the schedule entry a round was opened for,
-- so a retried OpenScheduledRound activity never opens it twice. Rounds
-- opened through the API have none (NULL), and a scheduled round has no
-- opened_by (no one opened it). Mirrors sqlite/00013_round_schedule.sql.

-- +goose Up
ALTER TABLE assessment_rounds ADD COLUMN schedule_key TEXT;
CREATE UNIQUE INDEX assessment_rounds_schedule_key_idx ON assessment_rounds (schedule_key);
