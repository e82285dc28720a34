-- GOODBYE: un proceso que se apaga bien saca ya a su gente de la lista, sin esperar a
-- que los demás noten que dejó de latir. Va detrás de presence.lua.
--
-- ARGV: el proceso.
reap(ARGV[1])
