-- HEARTBEAT: el latido de un proceso («sigo vivo»), y la baja de los que ya no laten.
-- Un proceso que muere de golpe (kill -9, un apagón) deja de latir: el primer proceso
-- vivo que lo ve saca a toda su gente de la lista, con su evento leave. Dentro de un
-- script, así lo hace uno solo. Va detrás de presence.lua, cuyas funciones usa.
--
-- ARGV: el proceso y los milisegundos sin latir para darlo por muerto. Devuelve los
-- procesos muertos.
local t = now()
redis.call('ZADD', 'chat:procs', t, ARGV[1])
local dead = redis.call('ZRANGEBYSCORE', 'chat:procs', '-inf', t - tonumber(ARGV[2]))
for _, proc in ipairs(dead) do reap(proc) end
return dead
