DROP TABLE agent_skills;
DROP TABLE agent_profiles;
